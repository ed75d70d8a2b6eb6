"""Representation similarity on arrays: debiased linear CKA, mutual k-NN, Procrustes, centroid cosines.

Two representations ``x [n, dx]`` and ``y [n, dy]`` hold the same ``n`` samples row by row.

- **Debiased linear CKA** (Kornblith et al. 2019, with the unbiased HSIC estimator of Song et al.
  2012): ``HSIC_u(K, L) / sqrt(HSIC_u(K, K) HSIC_u(L, L))`` for ``K = xxᵀ``, ``L = yyᵀ``. Every
  term of ``HSIC_u`` is rewritten in feature space (``xᵀy``, row norms, column sums; see
  :class:`CrossMoments`), so the cost is O(n·dx·dy) time and O(dx·dy) memory: no ``n × n`` Gram
  matrix is ever formed. Rows are taken ``block_size`` at a time, centred by the column means
  (HSIC_u does not change under translation; centring only keeps float64 sums from cancelling)
  and accumulated in float64.
- **Mutual k-NN alignment** (Huh et al. 2024, "The Platonic Representation Hypothesis"): for
  each sample, its ``k`` nearest neighbours by cosine similarity among the other samples, in
  ``x`` and in ``y``; the score is the mean fraction of the ``k`` shared by both (1 = the same
  neighbourhoods; about ``k / (n − 1)`` for unrelated representations). Blocked top-k: a
  ``[block, n]`` similarity tile at a time, never ``n × n``.
- **Orthogonal Procrustes distance** (Schönemann 1966; as a metric, Williams et al. 2021): on
  column-centred matrices scaled to unit Frobenius norm, ``min_Q ||x − yQ||_F`` over orthogonal
  (semi-orthogonal when ``dx ≠ dy``) ``Q``, which equals ``sqrt(2 − 2 ||xᵀy||_*)`` (nuclear
  norm). In [0, √2]; 0 when ``y`` is a rotation (and rescaling/translation) of ``x``.
- **Family centroid cosines**: the cosine between the mean vectors of every two families.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from analysis.metrics.geometry import ArrayLike, UnitRows, as_matrix, row_norms
from symbolscope.errors import UserError

DEFAULT_BLOCK_SIZE = 4096
KNN_BLOCK_SIZE = 1024


def _check_pair(x: torch.Tensor, y: torch.Tensor, minimum: int, what: str) -> None:
    if x.shape[0] != y.shape[0]:
        raise UserError(
            f"{what}: x has {x.shape[0]} rows and y {y.shape[0]}; both must hold the same samples row by row"
        )
    if x.shape[0] < minimum:
        raise UserError(f"{what}: needs at least {minimum} samples, got {x.shape[0]}")


def _finite_f64(block: torch.Tensor, r0: int) -> torch.Tensor:
    """``block`` as float64; :class:`UserError` naming its rows (offset ``r0``) that hold NaN/Inf."""
    block = block.to(torch.float64)
    if not bool(torch.isfinite(block.sum())):  # one reduction; NaN/Inf anywhere makes it non-finite
        bad = r0 + torch.nonzero(~torch.isfinite(block).all(dim=1)).flatten()
        raise UserError(f"NaN/Inf in rows {bad[:10].tolist()}; drop or re-extract those samples")
    return block


def column_means(x: ArrayLike, block_size: int = DEFAULT_BLOCK_SIZE) -> torch.Tensor:
    """Column means of ``x [n, d]`` as ``[d]`` float64, summed a block of rows at a time.

    Raises :class:`UserError` naming the rows if any holds NaN/Inf.
    """
    x = as_matrix(x)
    total = torch.zeros(x.shape[1], dtype=torch.float64)
    for r0 in range(0, x.shape[0], block_size):
        total += _finite_f64(x[r0 : r0 + block_size], r0).sum(dim=0)
    return total / max(x.shape[0], 1)


@dataclass
class CrossMoments:
    """Feature-space sums over the rows of ``x [n, dx]`` and ``y [n, dy]`` (float64).

    ``cross = Σ x_i y_iᵀ`` ``[dx, dy]``; ``sum_x``, ``sum_y`` the column sums; with ``a_i = |x_i|²``
    and ``b_i = |y_i|²``: ``x_by_b = Σ b_i x_i`` ``[dx]``, ``y_by_a = Σ a_i y_i`` ``[dy]``,
    ``sq_x = Σ a_i``, ``sq_y = Σ b_i``, ``sq_xy = Σ a_i b_i``. Everything HSIC_u and Procrustes
    need; add blocks with :meth:`update`.
    """

    cross: torch.Tensor
    sum_x: torch.Tensor
    sum_y: torch.Tensor
    x_by_b: torch.Tensor
    y_by_a: torch.Tensor
    sq_x: float = 0.0
    sq_y: float = 0.0
    sq_xy: float = 0.0
    n: int = 0

    @classmethod
    def zeros(cls, dx: int, dy: int) -> CrossMoments:
        """Empty sums for ``dx``- and ``dy``-dimensional rows."""
        f64 = torch.float64
        return cls(
            torch.zeros(dx, dy, dtype=f64),
            torch.zeros(dx, dtype=f64),
            torch.zeros(dy, dtype=f64),
            torch.zeros(dx, dtype=f64),
            torch.zeros(dy, dtype=f64),
        )

    def update(self, xb: torch.Tensor, yb: torch.Tensor) -> None:
        """Add the rows of ``xb [b, dx]`` and ``yb [b, dy]`` (float64, already shifted if wanted)."""
        a, b = (xb * xb).sum(dim=1), (yb * yb).sum(dim=1)
        self.cross += xb.T @ yb
        self.sum_x += xb.sum(dim=0)
        self.sum_y += yb.sum(dim=0)
        self.x_by_b += b @ xb
        self.y_by_a += a @ yb
        self.sq_x += float(a.sum())
        self.sq_y += float(b.sum())
        self.sq_xy += float((a * b).sum())
        self.n += xb.shape[0]

    def hsic(self) -> float:
        """Unbiased HSIC (Song et al. 2012) of the linear kernels, from the sums alone.

        With ``K̃``, ``L̃`` the Gram matrices with zeroed diagonals:
        ``tr(K̃L̃) = ||Σ x yᵀ||² − Σ a b``; ``1ᵀK̃1 = |Σ x|² − Σ a``; ``1ᵀK̃L̃1 = Σ_i (x_i·Σx − a_i)(y_i·Σy − b_i)
        = (Σx)ᵀ(Σ x yᵀ)(Σy) − Σx·Σ b x − Σy·Σ a y + Σ a b``.
        """
        n = self.n
        if n < 4:
            raise UserError(f"unbiased HSIC / CKA needs at least 4 samples, got {n}; use a larger split")
        trace = float((self.cross * self.cross).sum()) - self.sq_xy
        k_sum = float(self.sum_x @ self.sum_x) - self.sq_x
        l_sum = float(self.sum_y @ self.sum_y) - self.sq_y
        kl_sum = (
            float(self.sum_x @ self.cross @ self.sum_y)
            - float(self.sum_x @ self.x_by_b)
            - float(self.sum_y @ self.y_by_a)
            + self.sq_xy
        )
        return (trace + k_sum * l_sum / ((n - 1) * (n - 2)) - 2.0 * kl_sum / (n - 2)) / (n * (n - 3))

    def procrustes(self) -> float:
        """Procrustes distance of the centred, unit-Frobenius-norm matrices: ``sqrt(2 − 2||x̄ᵀȳ||_*)``."""
        n = self.n
        centred = self.cross - torch.outer(self.sum_x, self.sum_y) / n
        norm_x = self.sq_x - float(self.sum_x @ self.sum_x) / n
        norm_y = self.sq_y - float(self.sum_y @ self.sum_y) / n
        if norm_x <= 0 or norm_y <= 0:
            raise UserError("procrustes: a representation is constant over the samples (zero variance)")
        nuclear = float(torch.linalg.svdvals(centred).sum()) / float(np.sqrt(norm_x * norm_y))
        return float(np.sqrt(max(0.0, 2.0 - 2.0 * min(nuclear, 1.0))))


def cross_moments(x: ArrayLike, y: ArrayLike, block_size: int = DEFAULT_BLOCK_SIZE) -> CrossMoments:
    """:class:`CrossMoments` of ``x [n, dx]`` and ``y [n, dy]``, each centred by its column means.

    Two passes over the rows, ``block_size`` at a time, upcast to float64 one block at a time, so
    the inputs (numpy, memory-mapped or torch, any float dtype) are never copied whole. Memory:
    ``dx·dy`` float64 plus two blocks. ``y`` may be ``x`` itself (the self terms of CKA).
    """
    if block_size < 1:
        raise UserError(f"block_size must be >= 1, got {block_size}")
    xt, yt = as_matrix(x, "x"), as_matrix(y, "y")
    _check_pair(xt, yt, 1, "cross_moments")
    same = y is x
    moments = CrossMoments.zeros(xt.shape[1], yt.shape[1])
    if xt.shape[0] <= block_size:  # one block: convert once (never in place: float64 input is shared)
        xb = _finite_f64(xt, 0)
        xb = xb - xb.mean(dim=0)
        yb = xb if same else _finite_f64(yt, 0)
        yb = yb if same else yb - yb.mean(dim=0)
        moments.update(xb, yb)
        return moments
    mean_x = column_means(xt, block_size)
    mean_y = mean_x if same else column_means(yt, block_size)
    for r0 in range(0, xt.shape[0], block_size):
        xb = xt[r0 : r0 + block_size].to(torch.float64) - mean_x
        yb = xb if same else yt[r0 : r0 + block_size].to(torch.float64) - mean_y
        moments.update(xb, yb)
    return moments


def hsic_unbiased(x: ArrayLike, y: ArrayLike, block_size: int = DEFAULT_BLOCK_SIZE) -> float:
    """Unbiased HSIC (Song et al. 2012) of the linear kernels of ``x [n, dx]`` and ``y [n, dy]``, n ≥ 4."""
    xt, yt = as_matrix(x, "x"), as_matrix(y, "y")
    _check_pair(xt, yt, 4, "hsic_unbiased")
    return cross_moments(x, y, block_size).hsic()


def cka_from_hsic(hsic_xy: float, hsic_xx: float, hsic_yy: float) -> float:
    """Debiased CKA from the three unbiased HSIC values (the self terms must be positive)."""
    if hsic_xx <= 0 or hsic_yy <= 0:
        raise UserError(
            "cka: a representation has no variance the unbiased HSIC can see (self-HSIC "
            f"{min(hsic_xx, hsic_yy):.3g} <= 0); too few samples or a constant layer"
        )
    return float(hsic_xy / np.sqrt(hsic_xx * hsic_yy))


def linear_cka(x: ArrayLike, y: ArrayLike, block_size: int = DEFAULT_BLOCK_SIZE) -> float:
    """Debiased linear CKA of ``x [n, dx]`` and ``y [n, dy]`` (n ≥ 4), computed in feature space.

    1 for identical inputs and for inputs related by an orthogonal map, isotropic scaling and
    translation; about 0 for independent ones (it can go slightly negative: the estimator is
    unbiased). O(n·d²) time, O(d²) memory.
    """
    xy = hsic_unbiased(x, y, block_size)
    return cka_from_hsic(xy, hsic_unbiased(x, x, block_size), hsic_unbiased(y, y, block_size))


def procrustes_distance(x: ArrayLike, y: ArrayLike, block_size: int = DEFAULT_BLOCK_SIZE) -> float:
    """Orthogonal Procrustes distance of ``x [n, dx]`` and ``y [n, dy]``, centred and unit-Frobenius.

    ``min_Q ||x̄ − ȳQ||_F = sqrt(2 − 2 ||x̄ᵀȳ||_*)`` in [0, √2]; ``Q`` semi-orthogonal if ``dx ≠ dy``.
    """
    xt, yt = as_matrix(x, "x"), as_matrix(y, "y")
    _check_pair(xt, yt, 2, "procrustes_distance")
    return cross_moments(x, y, block_size).procrustes()


def knn_indices(x: ArrayLike, k: int, block_size: int = KNN_BLOCK_SIZE) -> torch.Tensor:
    """``[n, k]`` indices of each row's ``k`` nearest other rows by cosine similarity (self excluded).

    One ``[block, n]`` tile of cosines at a time; ties go to the lower index (``torch.topk``).
    """
    unit = UnitRows(x, None, "x")
    n = unit.n
    if not 1 <= k <= n - 1:
        raise UserError(f"mutual_knn: k={k} needs 1 <= k <= n − 1 = {n - 1} (n = {n} samples)")
    full = unit.all()
    out = torch.empty(n, k, dtype=torch.int64)
    for r0 in range(0, n, block_size):
        r1 = min(r0 + block_size, n)
        sims = unit.block(r0, r1) @ full.T
        rows = torch.arange(r1 - r0)
        sims[rows, rows + r0] = -torch.inf
        out[r0:r1] = torch.topk(sims, k, dim=1).indices
    return out


def mutual_knn(x: ArrayLike, y: ArrayLike, k: int = 10, block_size: int = KNN_BLOCK_SIZE) -> float:
    """Mutual k-NN alignment (Huh et al. 2024) of ``x [n, dx]`` and ``y [n, dy]``, in [0, 1].

    Mean over samples of ``|N_x(i) ∩ N_y(i)| / k``, with ``N(i)`` the ``k`` nearest other samples
    by cosine similarity. 1 for identical neighbourhoods; about ``k / (n − 1)`` by chance.
    """
    xt, yt = as_matrix(x, "x"), as_matrix(y, "y")
    _check_pair(xt, yt, 2, "mutual_knn")
    if isinstance(k, bool) or not isinstance(k, int):
        raise UserError(f"mutual_knn: k must be an integer, got {k!r}")
    nx, ny = knn_indices(xt, k, block_size), knn_indices(yt, k, block_size)
    shared = 0
    for r0 in range(0, nx.shape[0], block_size):
        a, b = nx[r0 : r0 + block_size], ny[r0 : r0 + block_size]
        shared += int((a[:, :, None] == b[:, None, :]).any(dim=2).sum())
    return shared / (nx.shape[0] * k)


def centroid_cosines(
    x: ArrayLike, families: Sequence[str], *, centre: bool = True
) -> tuple[list[str], np.ndarray, list[int]]:
    """Cosine similarity between family centroids: ``(families sorted, [F, F] float64, counts [F])``.

    ``x``: ``[n, d]``; ``families``: ``[n]``. With ``centre`` the overall mean is subtracted first,
    so a direction shared by every sample (large in LLM hidden states) does not make every pair of
    centroids look alike.
    """
    xt = as_matrix(x, "x")
    fam = np.asarray([str(f) for f in families], dtype=object)
    if len(fam) != xt.shape[0]:
        raise UserError(f"centroid_cosines: {len(fam)} families for {xt.shape[0]} rows")
    row_norms(xt)  # NaN/Inf and zero rows are a user error here too
    names = sorted(set(fam.tolist()))
    shift = column_means(xt) if centre else torch.zeros(xt.shape[1], dtype=torch.float64)
    cents, counts = [], []
    for name in names:
        idx = torch.from_numpy(np.flatnonzero(fam == name))
        cents.append(xt[idx].to(torch.float64).mean(dim=0) - shift)
        counts.append(len(idx))
    c = torch.stack(cents)
    norms = c.norm(dim=1, keepdim=True).clamp_min(1e-300)
    unit = c / norms
    return names, (unit @ unit.T).clamp(-1.0, 1.0).numpy(), counts


def nearest_neighbours(x: ArrayLike, row: int, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``x [n, d]`` nearest to row ``row`` by cosine (itself excluded).

    Returns ``(indices [k], cosines [k])``, most similar first.
    """
    unit = UnitRows(x, None, "x")
    if not 0 <= row < unit.n or not 1 <= k <= unit.n - 1:
        raise UserError(
            f"nearest_neighbours: row {row} and k={k} need 0 <= row < {unit.n} and 1 <= k < {unit.n}"
        )
    sims = (unit.all() @ unit.block(row, row + 1).T).flatten().to(torch.float64)
    sims[row] = -torch.inf
    top = torch.topk(sims, k)
    return top.indices.numpy(), top.values.numpy()
