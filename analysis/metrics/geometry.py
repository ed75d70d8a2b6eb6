"""Alignment and uniformity (Wang & Isola, 2020) on L2-normalised vectors, computed exactly in blocks.

- ``alignment(x, y, alpha) = mean_i ||f(x_i) − f(y_i)||^alpha`` over positive pairs given row by row.
- ``uniformity(x, t) = log mean_{i<j} exp(−t ||f(x_i) − f(x_j)||²)`` over all unordered pairs of
  distinct rows (the same value as the mean over ordered pairs i≠j, and as ``torch.pdist``).

``f`` is L2 normalisation; inputs that are not already unit-norm are normalised and the returned
:class:`MetricValue` says so (``normalised_input``). For unit vectors ``||a − b||² = 2 − 2 a·b``, so
uniformity is a sequence of ``[block, d] @ [d, block]`` matmuls, each followed by an in-place
``exp`` and a sum (row sums in the compute dtype, everything above them in float64); blocks are
combined with a running log-sum-exp weighted by their pair counts. Memory is O(workers·block² +
n·d), never O(n²). fp16/bf16 inputs are upcast to float32 one block at
a time (so a half-precision input is never copied whole); float64 inputs are computed in float64.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from symbolscope.errors import UserError

ArrayLike = torch.Tensor | np.ndarray
#: ``reduce(k, (i0, i1, j0, j1))`` of a tile's kernel values (see :func:`map_tiles`).
TileReduce = Callable[[torch.Tensor, tuple[int, int, int, int]], Any]
DEFAULT_BLOCK_SIZE = 1024
_SCAN_ROWS = 1024  # rows per chunk when scanning for NaN/Inf and norms
_MAX_NAMED = 10  # offending ids named in one error message
_PAIR_CHUNK = 1 << 16  # pairs whose difference vectors are held at once
# |norm − 1| above which an input row counts as "not already unit-norm", per input dtype.
_UNIT_TOL = {torch.float64: 1e-6, torch.float32: 1e-4, torch.float16: 5e-3, torch.bfloat16: 2e-2}
# exp(2t·cos), cos in [−1, 1], is summed without shifting while e^(±2t) (times a block) stays finite
# and normal in the compute dtype.
_NO_SHIFT_MAX_2T = {torch.float32: 60.0, torch.float64: 600.0}


@dataclass(frozen=True)
class MetricValue:
    """One metric value with what it was computed on.

    ``value`` is the metric (unitless: squared chord distance for alignment with α=2, log of a mean
    kernel value for uniformity); ``n`` is the number of vectors (uniformity) or positive pairs
    (alignment); ``n_pairs`` the number of pairs averaged over; ``normalised_input`` is True if any
    input row was not unit-norm and had to be normalised. ``float(m)`` gives ``m.value``.
    """

    value: float
    n: int
    n_pairs: int
    normalised_input: bool

    def __float__(self) -> float:
        return self.value


def as_matrix(x: ArrayLike, name: str = "x") -> torch.Tensor:
    """Return ``x`` as a 2-D floating torch tensor ``[n, d]`` on CPU (numpy arrays are not copied)."""
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.floating):
            raise UserError(f"{name}: expected a floating-point array, got dtype {x.dtype}; cast it first")
        x = torch.from_numpy(x)
    elif not isinstance(x, torch.Tensor):
        raise UserError(f"{name}: expected a torch tensor or numpy array, got {type(x).__name__}")
    if not x.is_floating_point():
        raise UserError(f"{name}: expected a floating-point tensor, got dtype {x.dtype}; cast it first")
    if x.dim() != 2:
        raise UserError(f"{name}: expected a 2-D [n, d] matrix, got shape {tuple(x.shape)}")
    if x.shape[1] == 0:
        raise UserError(f"{name}: vectors have dimension 0; pass [n, d] with d >= 1")
    return x.detach().cpu()


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype metrics are computed in: float64 for float64 input, else float32 (half is upcast)."""
    return torch.float64 if dtype == torch.float64 else torch.float32


def _name_rows(rows: Sequence[int], ids: Sequence[object] | None) -> str:
    shown = [str(ids[r]) if ids is not None else str(r) for r in rows[:_MAX_NAMED]]
    more = f" (+{len(rows) - _MAX_NAMED} more)" if len(rows) > _MAX_NAMED else ""
    return ", ".join(shown) + more


def row_norms(x: ArrayLike, ids: Sequence[object] | None = None, name: str = "x") -> torch.Tensor:
    """L2 norm of every row, ``[n]`` float64; scans in chunks so no ``[n, d]`` temporary is made.

    Raises :class:`UserError` naming the offending rows (by ``ids[i]`` if given, else row index)
    if any row holds NaN/Inf or is all zeros (a zero vector has no direction to normalise).
    """
    x = as_matrix(x, name)
    if ids is not None and len(ids) != x.shape[0]:
        raise UserError(f"{name}: {len(ids)} ids given for {x.shape[0]} rows; pass one id per row")
    norms = torch.empty(x.shape[0], dtype=torch.float64)
    bad: list[int] = []
    for r0 in range(0, x.shape[0], _SCAN_ROWS):
        chunk = x[r0 : r0 + _SCAN_ROWS]
        finite = torch.isfinite(chunk).all(dim=1)
        if not bool(finite.all()):
            bad.extend((r0 + torch.nonzero(~finite).flatten()).tolist())
        norms[r0 : r0 + chunk.shape[0]] = torch.linalg.vector_norm(chunk, dim=1, dtype=torch.float64)
    what = "ids" if ids is not None else "rows"
    if bad:
        raise UserError(
            f"{name}: NaN/Inf in {len(bad)} vector(s), {what} {_name_rows(bad, ids)}; "
            "drop or re-extract those samples"
        )
    zero = torch.nonzero(norms == 0).flatten().tolist()
    if zero:
        raise UserError(
            f"{name}: {len(zero)} all-zero vector(s), {what} {_name_rows(zero, ids)}; "
            "a zero vector cannot be normalised, drop those samples"
        )
    return norms


class UnitRows:
    """Blocks of L2-normalised rows of ``x`` in the compute dtype, made on demand.

    float32/float64 inputs are normalised once (one ``[n, d]`` copy); fp16/bf16 inputs are kept as
    they are and each requested block is upcast and normalised on the fly, so a large half-precision
    store is never copied whole. ``normalised_input`` is True if any row was not already unit-norm.
    """

    def __init__(self, x: ArrayLike, ids: Sequence[object] | None = None, name: str = "x") -> None:
        self.x = as_matrix(x, name)
        self.n, self.d = self.x.shape
        self.dtype = compute_dtype(self.x.dtype)
        norms = row_norms(self.x, ids, name)
        tol = _UNIT_TOL.get(self.x.dtype, 1e-4)
        self.normalised_input = bool((norms - 1.0).abs().max() > tol)
        self._inv = (1.0 / norms).to(self.dtype).unsqueeze(1)  # [n, 1]
        self._unit: torch.Tensor | None = None
        if self.x.dtype in (torch.float32, torch.float64):
            self._unit = self.x.to(self.dtype) * self._inv

    def block(self, start: int, stop: int) -> torch.Tensor:
        """Unit rows ``start:stop`` as a contiguous ``[stop − start, d]`` tensor."""
        if self._unit is not None:
            return self._unit[start:stop]
        return self.x[start:stop].to(self.dtype) * self._inv[start:stop]

    def all(self) -> torch.Tensor:
        """All unit rows ``[n, d]`` (materialises them for half-precision input)."""
        return self.block(0, self.n)

    def take(self, index: np.ndarray) -> UnitRows:
        """The rows at ``index`` ``[m]`` as unit rows of their own: already checked and normalised,
        so nothing is scanned again (``normalised_input`` is carried over)."""
        out = UnitRows.__new__(UnitRows)
        out.x = out._unit = self.all()[torch.from_numpy(np.asarray(index, dtype=np.int64))]
        out.n, out.d = out.x.shape
        out.dtype, out.normalised_input = self.dtype, self.normalised_input
        out._inv = torch.ones(out.n, 1, dtype=self.dtype)
        return out


def unit_rows(x: ArrayLike | UnitRows, ids: Sequence[object] | None = None, name: str = "x") -> UnitRows:
    """``x`` itself if it is already :class:`UnitRows`, else its checked, normalised rows."""
    return x if isinstance(x, UnitRows) else UnitRows(x, ids, name)


def l2_normalise(x: ArrayLike, ids: Sequence[object] | None = None) -> tuple[torch.Tensor, bool]:
    """Return ``(x_unit [n, d], was_normalised)``: rows scaled to unit L2 norm in the compute dtype.

    ``was_normalised`` is True if any input row was not already unit-norm. NaN/Inf or all-zero rows
    raise :class:`UserError` naming them (by ``ids`` if given).
    """
    rows = UnitRows(x, ids)
    return rows.all(), rows.normalised_input


def check_positive(value: float, name: str) -> float:
    """Return ``float(value)`` or raise :class:`UserError` if it is not a finite number > 0."""
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise UserError(f"{name} must be a finite number > 0, got {value!r}")
    return v


def check_block_size(block_size: int) -> int:
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise UserError(f"block_size must be an integer >= 1, got {block_size!r}")
    return block_size


def alignment(
    x: ArrayLike,
    y: ArrayLike,
    alpha: float = 2.0,
    *,
    ids: Sequence[object] | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> MetricValue:
    """Alignment ``mean_i ||f(x_i) − f(y_i)||^alpha`` of positive pairs ``(x_i, y_i)``.

    ``x``, ``y``: ``[n, d]``, row i of ``x`` paired with row i of ``y``. In [0, 2^alpha] (0 when every
    pair is identical). Differences are taken directly (not via 2 − 2cos) so near-identical pairs
    keep their precision; sums accumulate in float64, ``block_size`` rows at a time.
    """
    alpha = check_positive(alpha, "alpha")
    block_size = check_block_size(block_size)
    rx, ry = UnitRows(x, ids, "x"), UnitRows(y, ids, "y")
    if rx.x.shape != ry.x.shape:
        raise UserError(
            f"alignment: x {tuple(rx.x.shape)} and y {tuple(ry.x.shape)} must have the same shape"
        )
    if rx.n < 1:
        raise UserError("alignment: no positive pairs; pass at least one row in x and y")
    total = 0.0
    for r0 in range(0, rx.n, block_size):
        r1 = min(r0 + block_size, rx.n)
        dist = torch.linalg.vector_norm(rx.block(r0, r1) - ry.block(r0, r1), dim=1)
        total += float(dist.pow(alpha).sum(dtype=torch.float64))
    return MetricValue(total / rx.n, rx.n, rx.n, rx.normalised_input or ry.normalised_input)


class LogSumExp:
    """A running float64 log-sum-exp: the total is ``exp(m) · s``.

    ``s`` is a float, or a tensor of independent sums sharing one shift (the bootstrap's ``[B]``
    resamples). A float part of exactly 0 holds no pair and leaves the running shift alone.
    """

    def __init__(self, s: float | torch.Tensor = 0.0) -> None:
        self.m, self.s = -math.inf, s

    def add(self, m: float, s: float | torch.Tensor) -> None:
        """Add ``exp(m) · s`` to the total."""
        if isinstance(s, float) and s == 0.0:
            return
        new_m = max(self.m, m)
        self.s = self.s * math.exp(self.m - new_m) + s * math.exp(m - new_m)
        self.m = new_m


def kernel_exponent(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """``−t ||a_i − b_j||²`` for unit rows, as ``2t(a·b − 1)`` clamped at 0: ``[na, nb]`` float64.

    (The uniformity tiles compute the same exponent in place as ``2t·cos`` in the compute dtype
    and add the constant ``−2t`` once at the end, see :func:`_tile_sum`.)
    """
    return (a @ b.T).to(torch.float64).sub_(1.0).mul_(2.0 * t).clamp_(max=0.0)


def _tile_sum(
    rows: UnitRows,
    tile: tuple[int, int, int, int],
    two_t: float,
    shift: bool,
    flat: torch.Tensor,
    reduce: TileReduce | None = None,
) -> tuple[float, Any]:
    """``(m, s)`` with ``Σ_{pairs in tile} exp(2t·cos) = exp(m)·s``; rows ``i0:i1`` × ``j0:j1``, j0 >= i0.

    With ``reduce``, ``s`` is ``reduce(k, tile)`` of the tile's kernel ``k = exp(2t·cos − m)``
    ``[i1 − i0, j1 − j0]`` (diagonal zeroed in a diagonal tile; ``k`` is reused after the call).
    """
    i0, i1, j0, j1 = tile
    xi = rows.block(i0, i1)
    xj = xi if j0 == i0 else rows.block(j0, j1)
    k = flat[: (i1 - i0) * (j1 - j0)].view(i1 - i0, j1 - j0)
    torch.addmm(k, xi, xj.T, beta=0.0, alpha=two_t, out=k)  # 2t·cos (beta=0 ignores k's old values)
    k.clamp_(max=two_t)  # cos <= 1, i.e. d² >= 0
    diagonal = j0 == i0
    if diagonal:
        k.fill_diagonal_(-math.inf)  # i == j is not a pair
    m = 0.0
    if shift:
        m = float(k.max())
        if m == -math.inf:
            return 0.0, 0.0  # a 1×1 diagonal block has no pairs
        k.sub_(m)
    k.exp_()
    if reduce is not None:
        return m, reduce(k, tile)
    s = float(k.sum(dim=1).sum(dtype=torch.float64))
    return m, (0.5 * s if diagonal else s)  # a full diagonal block counts each pair twice


class IntraOpThreads:
    """Context: set torch's intra-op thread count, restoring the previous value on exit."""

    def __init__(self, n: int) -> None:
        self.n, self.prev = n, torch.get_num_threads()

    def __enter__(self) -> None:
        torch.set_num_threads(self.n)

    def __exit__(self, *exc: object) -> None:
        torch.set_num_threads(self.prev)


def map_tiles(
    rows: UnitRows, t: float, block_size: int, workers: int | None = None, reduce: TileReduce | None = None
) -> list[tuple[float, Any]]:
    """``(m, s)`` of every tile of the upper triangle of tiles, in tile order (see :func:`_tile_sum`).

    Per tile (``block_size`` rows × ``block_size`` rows), ``−t·d² = 2t·cos − 2t``: the matmul yields
    ``2t·cos`` (the constant ``−2t`` is the caller's to add once), clamped at ``2t`` (d² >= 0) and
    exponentiated in place; without ``reduce`` it is summed row by row (<= block_size positive
    terms each, in the compute dtype; row sums and tile sums float64). When ``exp(±2t)`` could
    leave the compute dtype's range, each tile is first shifted by its own maximum ``m``.

    Parallelism: tiles are handed out dynamically to ``workers`` threads (default: torch's
    intra-op thread count), each running single-threaded torch ops with its own O(block²) buffer;
    torch's intra-op thread count is set to 1 for the duration and restored (a single tile just
    uses torch's threads). Coarse-grained tiles
    need no per-op barrier, so a CPU shared with other processes slows this down gracefully.
    """
    n, dtype = rows.n, rows.dtype
    two_t = 2.0 * t
    shift = two_t > _NO_SHIFT_MAX_2T[dtype]
    bounds = [(i0, min(i0 + block_size, n)) for i0 in range(0, n, block_size)]
    tiles = [(*bi, *bj) for a, bi in enumerate(bounds) for bj in bounds[a:]]
    workers = max(1, min(workers or torch.get_num_threads(), len(tiles)))
    side = min(block_size, n)

    parts: list[tuple[float, Any]] = [(0.0, 0.0)] * len(tiles)  # (m, s) per tile
    queue = iter(range(len(tiles)))
    lock = threading.Lock()

    def run() -> None:
        flat = torch.empty(side * side, dtype=dtype)  # this worker's one O(block²) buffer
        while True:
            with lock:
                index = next(queue, None)
            if index is None:
                return
            parts[index] = _tile_sum(rows, tiles[index], two_t, shift, flat, reduce)

    if len(tiles) == 1:
        run()  # one tile: its few big ops may as well use torch's own threads
    elif workers == 1:
        with IntraOpThreads(1):
            run()
    else:
        with IntraOpThreads(1), ThreadPoolExecutor(workers) as pool:
            for future in [pool.submit(run) for _ in range(workers)]:
                future.result()
    return parts


def _uniformity_unit(rows: UnitRows, t: float, block_size: int, workers: int | None = None) -> float:
    """Uniformity of the unit rows: blockwise log-sum-exp of ``−t·d²`` over pairs i<j (the tiles of
    :func:`map_tiles`), minus log count."""
    total = LogSumExp()
    for m, s in map_tiles(rows, t, block_size, workers):  # in tile order: independent of thread timing
        total.add(m, s)
    n_pairs = rows.n * (rows.n - 1) // 2
    return total.m + math.log(total.s) - 2.0 * t - math.log(n_pairs)


def uniformity(
    x: ArrayLike | UnitRows,
    t: float = 2.0,
    *,
    block_size: int = DEFAULT_BLOCK_SIZE,
    ids: Sequence[object] | None = None,
    workers: int | None = None,
) -> MetricValue:
    """Uniformity ``log mean_{i<j} exp(−t ||f(x_i) − f(x_j)||²)`` over all pairs of distinct rows.

    ``x``: ``[n, d]`` with n >= 2 (or :class:`UnitRows`). Exact (no sampling), in [−4t, 0]; equals
    ``torch.pdist(f(x)).pow(2).mul(-t).exp().mean().log()`` without its n(n−1)/2 vector. Work is
    O(n²·d) in ``block_size``-row blocks; memory O(workers·block_size² + n·d) (O(block_size·d)
    extra for half-precision input). ``workers``: threads sharing the tiles (default: torch's
    intra-op thread count; see :func:`map_tiles` for how threads are used).
    """
    t = check_positive(t, "t")
    block_size = check_block_size(block_size)
    rows = unit_rows(x, ids, "x")
    if rows.n < 2:
        raise UserError(f"uniformity needs at least 2 vectors, got {rows.n}; add samples or skip this group")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise UserError(f"workers must be an integer >= 1 or None, got {workers!r}")
    value = _uniformity_unit(rows, t, block_size, workers)
    return MetricValue(value, rows.n, rows.n * (rows.n - 1) // 2, rows.normalised_input)


def pair_distances(ux: torch.Tensor, pairs: np.ndarray, uz: torch.Tensor | None = None) -> np.ndarray:
    """Distances ``||ux_a − uz_b||`` for index pairs ``(a, b)`` of unit rows (``uz = ux`` if not given).

    ``ux``: ``[n, d]`` and ``uz``: ``[m, d]`` unit rows (:meth:`UnitRows.all`); ``pairs``: ``[P, 2]``
    integer rows ``(a, b)``. Returns ``[P]`` float64; ``dist ** alpha`` averaged is the alignment of
    those pairs. The norm is taken in the compute dtype, ``_PAIR_CHUNK`` pairs at a time.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    uz = ux if uz is None else uz
    if len(pairs) and (pairs.min() < 0 or pairs[:, 0].max() >= len(ux) or pairs[:, 1].max() >= len(uz)):
        raise UserError(f"pairs: indices out of range for {len(ux)} and {len(uz)} rows; rebuild the pairs")
    out = np.empty(len(pairs), dtype=np.float64)
    for p0 in range(0, len(pairs), _PAIR_CHUNK):
        chunk = torch.from_numpy(pairs[p0 : p0 + _PAIR_CHUNK])
        out[p0 : p0 + len(chunk)] = (ux[chunk[:, 0]] - uz[chunk[:, 1]]).norm(dim=1).double().numpy()
    return out
