"""Percentile bootstrap over SAMPLES for alignment and uniformity, vectorised over resamples.

A resample draws n samples with replacement; it is represented by its count vector ``w`` ``[n]``
(``w_i`` = how often sample i was drawn, ``Σ w_i = n``), so B resamples are a ``[B, n]`` matrix and a
statistic is evaluated for all of them with a few matmuls instead of B recomputations.

Uniformity of a resample: the mean kernel ``K_ij = exp(−t ||f(x_i) − f(x_j)||²)`` over ordered pairs
of drawn copies whose ORIGINAL samples differ. Two copies of one sample are identical vectors
(distance 0, kernel 1); counting them would pull uniformity towards 0 just because of duplication,
so they are excluded, exactly as i = j is excluded from the point estimate. With ``K₀`` = K with a
zero diagonal::

    Σ_{copies p≠q, orig(p)≠orig(q)} K = Σ_{i≠j} w_i w_j K_ij = wᵀ K₀ w
    number of such pairs            = (Σ w_i)² − Σ w_i²
    uniformity(w) = log(wᵀ K₀ w) − log((Σ w)² − Σ w²)

With ``w = 1`` this is the point estimate. For n <= ``fast_max`` K₀ is built once (``[n, n]``
float64, 200 MB at n = 5000) and each resample costs O(n²); above that K₀ is rebuilt in blocks with
the resamples applied per block (O(block²) memory for K, plus ``[B, n]`` for the counts).

Alignment of a resample: each positive pair is weighted by the product of the counts of the
samples it uses (``w_i w_j`` for two rows of one store, as in the multiset of copies; ``w_i`` for a
row paired with its own other-span vector) — samples, not pairs, are the resampling unit.
A resample with no valid pair (e.g. every draw the same sample) gives NaN and is left out of the
interval; ``n_valid`` says how many were used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from scipy import sparse

from analysis.metrics.geometry import (
    DEFAULT_BLOCK_SIZE,
    ArrayLike,
    LogSumExp,
    UnitRows,
    check_block_size,
    check_positive,
    kernel_exponent,
    map_tiles,
    unit_rows,
)
from symbolscope.errors import UserError

#: Fewest resamples a percentile interval is computed from (0 = no intervals): with fewer, the
#: 2.5th/97.5th percentiles are the extreme resamples and may not even contain the estimate.
MIN_BOOTSTRAP = 100
FAST_MAX = 5000  # largest n for which the [n, n] kernel matrix is materialised
_B_CHUNK = 64  # resamples per chunk for the [B, P] alignment weights


def bootstrap_counts(n: int, n_boot: int, seed: int) -> np.ndarray:
    """Count vectors of ``n_boot`` resamples of ``n`` samples with replacement: ``[n_boot, n]`` int64.

    Deterministic given ``seed`` (numpy ``default_rng``); every row sums to ``n``.
    """
    if n < 1:
        raise UserError(f"bootstrap needs at least 1 sample, got {n}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 1:
        raise UserError(f"n_boot must be an integer >= 1, got {n_boot!r}")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(n_boot, n), dtype=np.int64)
    flat = draws + n * np.arange(n_boot, dtype=np.int64)[:, None]
    return np.bincount(flat.ravel(), minlength=n_boot * n).reshape(n_boot, n)


def percentile_ci(stats: np.ndarray, level: float) -> tuple[float, float, int]:
    """Percentile interval of the finite entries of ``stats`` ``[B]``: ``(lo, hi, n_valid)``."""
    if not 0.0 < level < 1.0:
        raise UserError(f"level must be in (0, 1), got {level!r}")
    finite = stats[np.isfinite(stats)]
    if finite.size == 0:
        return math.nan, math.nan, 0
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(finite, [tail, 1.0 - tail])
    return float(lo), float(hi), int(finite.size)


def _finish(log_num: np.ndarray, counts: np.ndarray, sizes: np.ndarray | None = None) -> np.ndarray:
    """``log_num − log((Σw)² − Σw²)`` with NaN where no pair of distinct rows was drawn.

    ``counts``: ``[B, n]``; ``sizes``: ``[n]`` rows per counted unit (a cluster's rows all get its
    count ``w``, so ``Σw = counts @ sizes`` and ``Σw² = counts² @ sizes``; None: one row each).
    """
    size = np.ones(counts.shape[1], dtype=np.int64) if sizes is None else sizes
    total = counts @ size
    n_pairs = total * total - (counts * counts) @ size
    out = np.full(counts.shape[0], np.nan)
    ok = n_pairs > 0
    out[ok] = log_num[ok] - np.log(n_pairs[ok].astype(np.float64))
    return out


class UniformityResampler:
    """``counts [B, n] -> uniformity [B]`` of each resample of the rows of ``x`` (module docstring).

    ``x``: ``[n, d]`` (normalised like :func:`analysis.metrics.uniformity`). For n <= ``fast_max``
    the zero-diagonal kernel matrix is built once in float64 with a global log shift.
    """

    def __init__(
        self,
        x: ArrayLike,
        t: float = 2.0,
        *,
        block_size: int = DEFAULT_BLOCK_SIZE,
        fast_max: int = FAST_MAX,
        ids: Sequence[object] | None = None,
    ) -> None:
        self.t = check_positive(t, "t")
        self.block_size = check_block_size(block_size)
        self.rows = UnitRows(x, ids, "x")
        self.n = self.rows.n
        if self.n < 2:
            raise UserError(f"uniformity bootstrap needs at least 2 vectors, got {self.n}")
        self._kernel: torch.Tensor | None = None
        self._shift = 0.0
        if self.n <= fast_max:
            unit = self.rows.all().to(torch.float64)
            self._kernel, self._shift = self._log_kernel_block(unit, unit, diagonal=True)

    def _log_kernel_block(
        self, a: torch.Tensor, b: torch.Tensor, diagonal: bool
    ) -> tuple[torch.Tensor, float]:
        """``(exp(k − m), m)`` for ``k = −t·d²`` between rows of ``a`` and ``b``; float64, diag zeroed."""
        k = kernel_exponent(a, b, self.t)
        if diagonal:
            k.fill_diagonal_(-math.inf)
        m = float(k.max())
        if m == -math.inf:  # a 1×1 diagonal block: no pairs
            return torch.zeros_like(k), 0.0
        return k.sub_(m).exp_(), m

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        counts = np.asarray(counts, dtype=np.int64).reshape(-1, self.n)
        w = torch.from_numpy(counts.astype(np.float64))
        if self._kernel is not None:
            quad = ((w @ self._kernel) * w).sum(dim=1).numpy()  # wᵀ K₀ w, ordered pairs
            with np.errstate(divide="ignore"):
                return _finish(self._shift + np.log(quad), counts)
        return _finish(self._blockwise_log_quad(w), counts)

    def _blockwise_log_quad(self, w: torch.Tensor) -> np.ndarray:
        """``log wᵀ K₀ w`` for every row of ``w`` ``[B, n]``, K₀ built one block at a time."""
        total = LogSumExp(torch.zeros(w.shape[0], dtype=torch.float64))
        bs, n = self.block_size, self.n
        for i0 in range(0, n, bs):
            i1 = min(i0 + bs, n)
            xi = self.rows.block(i0, i1)
            for j0 in range(i0, n, bs):
                j1 = min(j0 + bs, n)
                kern, m = self._log_kernel_block(xi, self.rows.block(j0, j1), diagonal=j0 == i0)
                part = ((w[:, i0:i1] @ kern) * w[:, j0:j1]).sum(dim=1)
                if j0 != i0:
                    part *= 2.0  # block (J, I) holds the same ordered pairs reversed
                total.add(m, part)
        with np.errstate(divide="ignore"):
            return total.m + np.log(total.s.numpy())


class ClusterUniformity:
    """Uniformity of rows that come in clusters (a sample's symbol occurrences), and of resamples
    of the CLUSTERS: ``counts [B, S] -> uniformity [B]``; :attr:`value` is the point estimate.

    ``x``: ``[n, d]`` (or :class:`~analysis.metrics.geometry.UnitRows`); ``clusters``: ``[n]`` cluster index in ``[0, S)`` of each row (every index
    used). A resample draws S clusters with replacement; every row of a cluster drawn ``c`` times
    gets weight ``c``, and the module docstring's formula applies to these row weights: copies of
    one ROW are never a pair, two rows of one cluster are. Since ``wᵀ K₀ w = cᵀ M c`` with
    ``M[a, b] = Σ_{i∈a, j∈b, i≠j} K_ij`` ``[S, S]``, one exact blocked pass over the pairs
    (:func:`~analysis.metrics.geometry.map_tiles`) builds M, and each resample then costs O(S²).
    """

    def __init__(
        self,
        x: ArrayLike | UnitRows,
        clusters: np.ndarray,
        t: float = 2.0,
        *,
        block_size: int = DEFAULT_BLOCK_SIZE,
        workers: int | None = None,
    ) -> None:
        t = check_positive(t, "t")
        cl = np.asarray(clusters, dtype=np.int64).reshape(-1)
        given = unit_rows(x)
        if given.n < 2 or len(cl) != given.n or cl.min() < 0:
            raise UserError(
                f"cluster uniformity needs >= 2 rows and one cluster index >= 0 per row, got {len(cl)}"
            )
        order = np.argsort(cl, kind="stable")  # contiguous clusters: a tile touches a few of them
        rows = given.take(order)
        self.sizes = np.bincount(cl, minlength=int(cl.max()) + 1)
        if (self.sizes == 0).any():
            raise UserError("cluster uniformity: cluster indices must be 0..S-1, each used")
        self.n, self.normalised_input = rows.n, rows.normalised_input
        sorted_cl = torch.from_numpy(cl[order])
        parts = map_tiles(rows, t, check_block_size(block_size), workers, _ClusterReduce(sorted_cl))
        self._log_shift, self._m = _combine(parts, len(self.sizes))
        self._log_shift -= 2.0 * t  # map_tiles' kernels are exp(2t·cos): −t·d² = 2t·cos − 2t

    @property
    def value(self) -> float:
        """The uniformity of all rows (every cluster once): the exact point estimate."""
        return float(self(np.ones((1, len(self.sizes)), dtype=np.int64))[0])

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        counts = np.asarray(counts, dtype=np.int64).reshape(-1, len(self.sizes))
        c = torch.from_numpy(counts.astype(np.float64))
        quad = ((c @ self._m) * c).sum(dim=1).numpy()  # cᵀ M c: ordered pairs of distinct rows
        with np.errstate(divide="ignore"):
            return _finish(self._log_shift + np.log(quad), counts, self.sizes)


class _ClusterReduce:
    """A tile's kernel summed over cluster pairs: ``(a0, b0, P)`` with ``P[a, b]`` the sum over
    rows of cluster ``a0 + a`` × rows of cluster ``b0 + b`` (rows sorted by cluster)."""

    def __init__(self, sorted_clusters: torch.Tensor) -> None:
        self.cl = sorted_clusters

    def _one_hot(self, r0: int, r1: int, dtype: torch.dtype) -> tuple[int, torch.Tensor]:
        local = self.cl[r0:r1] - self.cl[r0]
        hot = torch.zeros(r1 - r0, int(local[-1]) + 1, dtype=dtype)
        return int(self.cl[r0]), hot.scatter_(1, local[:, None], 1.0)

    def __call__(
        self, k: torch.Tensor, tile: tuple[int, int, int, int]
    ) -> tuple[int, int, torch.Tensor, bool]:
        i0, i1, j0, j1 = tile
        a0, hot_i = self._one_hot(i0, i1, k.dtype)
        b0, hot_j = self._one_hot(j0, j1, k.dtype)
        return a0, b0, (hot_i.T @ k @ hot_j).to(torch.float64), i0 == j0


def _combine(parts: list[tuple[float, Any]], s: int) -> tuple[float, torch.Tensor]:
    """``(m, M [S, S])`` with the ordered-pair cluster sums ``exp(m) · M`` of all tiles, in tile order
    (a tile above the diagonal also holds its mirror image)."""
    total = torch.zeros(s, s, dtype=torch.float64)
    m_run = -math.inf
    for m, part in parts:
        if isinstance(part, float):  # a tile with no pair
            continue
        if m > m_run:
            total *= math.exp(m_run - m) if m_run > -math.inf else 0.0
            m_run = m
        a0, b0, p, diagonal = part
        p = p * math.exp(m - m_run)
        total[a0 : a0 + p.shape[0], b0 : b0 + p.shape[1]] += p
        if not diagonal:  # the tile below the diagonal: the same pairs the other way round
            total[b0 : b0 + p.shape[1], a0 : a0 + p.shape[0]] += p.T
    return m_run, total


class AlignmentResampler:
    """``counts [B, n] -> alignment [B]``: pair values weighted by the counts of the samples they use.

    ``values``: ``[P]`` per-pair ``||f(a) − f(b)||^alpha``; ``units``: ``[P, k]`` sample indices each
    pair uses (k = 2 for two rows of one store, k = 1 for a sample's two span vectors). The weight of
    pair p in a resample is ``Π_c w[units[p, c]]``. For k <= 2 the pairs are first summed by the
    samples they use (sparse ``V[a, b] = Σ values``, ``N[a, b]`` = how many), so that
    ``alignment(w) = wᵀVw / wᵀNw`` (k = 1: ``w·V / w·N``) costs O(distinct sample pairs).
    """

    def __init__(self, values: np.ndarray, units: np.ndarray, n: int) -> None:
        self.values = np.asarray(values, dtype=np.float64).reshape(-1)
        units = np.asarray(units, dtype=np.int64)
        self.units = units.reshape(len(self.values), -1)
        if len(self.values) == 0:
            raise UserError("alignment bootstrap: no positive pairs")
        if self.units.min() < 0 or self.units.max() >= n:
            raise UserError(f"alignment bootstrap: pair sample indices out of range for {n} samples")
        self.n = n
        self._by_sample: tuple[Any, Any] | None = None
        if self.units.shape[1] <= 2:
            cols = self.units.shape[1]
            where = (
                self.units[:, 0],
                self.units[:, -1] if cols == 2 else np.zeros(len(self.units), np.int64),
            )
            shape = (n, n if cols == 2 else 1)
            self._by_sample = tuple(  # duplicates are summed: V, then N
                sparse.csr_array(sparse.coo_array((w, where), shape=shape))
                for w in (self.values, np.ones(len(self.values)))
            )

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        counts = np.asarray(counts, dtype=np.float64).reshape(-1, self.n)
        out = np.full(counts.shape[0], np.nan)
        if self._by_sample is not None:
            pair = self.units.shape[1] == 2
            num, den = (
                (counts @ m * counts).sum(axis=1) if pair else (counts @ m)[:, 0] for m in self._by_sample
            )
            ok = den > 0
            out[ok] = num[ok] / den[ok]
            return out
        for b0 in range(0, counts.shape[0], _B_CHUNK):
            c = counts[b0 : b0 + _B_CHUNK]
            weight = np.ones((c.shape[0], len(self.values)))
            for col in range(self.units.shape[1]):
                weight *= c[:, self.units[:, col]]
            den = weight.sum(axis=1)
            ok = den > 0
            out[b0 : b0 + c.shape[0]][ok] = (weight[ok] @ self.values) / den[ok]
        return out
