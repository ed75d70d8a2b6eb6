"""Positive pairs for alignment: same family, Symbol-Evol original ↔ evolved, NL span ↔ symbol span.

Every sampler is deterministic given its seed, and each family draws from its own stream derived
from ``(seed, family name)``, so adding or removing one family never changes another's pairs.
"""

from __future__ import annotations

import zlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from symbolscope.errors import UserError, get_logger

log = get_logger("analysis.metrics.pairs")


def derive_seed(seed: int, key: str) -> int:
    """A 63-bit seed for the stream of ``key`` (e.g. a family name) under the user's ``seed``."""
    state = np.random.SeedSequence([int(seed) & 0xFFFFFFFFFFFFFFFF, zlib.crc32(key.encode("utf-8"))])
    return int(state.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def pair_from_linear(k: np.ndarray, n: int) -> np.ndarray:
    """Map linear indices ``k`` in ``[0, n(n−1)/2)`` to pairs ``(i, j)``, i < j, in row-major order.

    Row i of the strict upper triangle starts at ``i·n − i(i+1)/2``. Returns ``[len(k), 2]`` int64.
    """
    k = np.asarray(k, dtype=np.int64)
    # Invert the row start (a quadratic in i) with a float sqrt, then fix off-by-one rounding.
    disc = (2 * n - 1) ** 2 - 8 * k.astype(np.float64)
    i = np.floor(((2 * n - 1) - np.sqrt(np.maximum(disc, 0.0))) / 2).astype(np.int64)
    i = np.clip(i, 0, n - 2)
    start = i * n - i * (i + 1) // 2
    too_far = start > k
    i[too_far] -= 1
    nxt = (i + 1) * n - (i + 1) * (i + 2) // 2
    short = nxt <= k
    i[short] += 1
    start = i * n - i * (i + 1) // 2
    j = k - start + i + 1
    return np.stack([i, j], axis=1)


@dataclass(frozen=True)
class FamilyPairs:
    """Same-family positive pairs.

    ``pairs[family]``: ``[P, 2]`` int64 row indices (i, j), i < j, both of that family, sorted;
    all C(n, 2) pairs if that is at most ``max_pairs``, else a uniform sample of ``max_pairs``
    without replacement. ``skipped``: families with fewer than 2 samples (no pair exists).
    """

    pairs: dict[str, np.ndarray]
    skipped: list[str] = field(default_factory=list)
    max_pairs: int = 0
    seed: int = 0

    def all_pairs(self) -> np.ndarray:
        """Every family's pairs stacked, ``[P_total, 2]`` (families in sorted order)."""
        parts = [self.pairs[f] for f in sorted(self.pairs)]
        return np.concatenate(parts) if parts else np.empty((0, 2), dtype=np.int64)


def family_pairs(families: Sequence[str], max_pairs: int, seed: int) -> FamilyPairs:
    """Pairs of two different samples of the same family, at most ``max_pairs`` per family.

    ``families``: the family of each row ``[n]``. Sampling never enumerates the C(n, 2) pairs: it
    draws distinct linear pair indices and maps them to (i, j). Families with fewer than 2 samples
    are listed in ``skipped`` (and logged as a warning).
    """
    if isinstance(max_pairs, bool) or not isinstance(max_pairs, int | np.integer) or max_pairs < 1:
        raise UserError(f"max_pairs must be an integer >= 1, got {max_pairs!r}")
    fam = np.asarray([str(f) for f in families], dtype=object)
    out: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    for name in sorted(set(fam.tolist())):
        rows = np.flatnonzero(fam == name)
        n = len(rows)
        if n < 2:
            skipped.append(name)
            continue
        total = n * (n - 1) // 2
        if total <= max_pairs:
            linear = np.arange(total, dtype=np.int64)
        else:
            rng = np.random.default_rng(derive_seed(seed, name))
            linear = np.sort(rng.choice(total, size=int(max_pairs), replace=False))
        local = pair_from_linear(linear, n)
        out[name] = rows[local]
    if skipped:
        log.warning(
            "families with fewer than 2 samples have no pairs and are skipped: %s", ", ".join(skipped)
        )
    return FamilyPairs(out, skipped, int(max_pairs), int(seed))


def _positions(ids: Sequence[Hashable], name: str) -> dict[Hashable, int]:
    pos: dict[Hashable, int] = {}
    for i, sid in enumerate(ids):
        if sid in pos:
            raise UserError(
                f"{name}: sample id {sid!r} appears twice (rows {pos[sid]} and {i}); ids must be unique"
            )
        pos[sid] = i
    return pos


def evol_pairs_indices(
    sample_ids: Sequence[Hashable], pairs_of_ids: Sequence[tuple[Hashable, Hashable]]
) -> np.ndarray:
    """Row index pairs ``[P, 2]`` (original, evolved) for id pairs whose both ids are in the store.

    ``sample_ids``: the store's ids in row order. Pairs with a missing side are dropped (logged);
    if none remain, :class:`UserError`.
    """
    pos = _positions(sample_ids, "store")
    kept = [(pos[a], pos[b]) for a, b in pairs_of_ids if a in pos and b in pos]
    dropped = len(pairs_of_ids) - len(kept)
    if not kept:
        raise UserError(
            "--pairs evol: split has no evolved pairs (no original/evolved id pair is in the store); "
            "extract a split that includes Symbol-Evol variants or choose --pairs family"
        )
    if dropped:
        log.warning(
            "--pairs evol: %d of %d id pairs have a side missing from the store", dropped, len(pairs_of_ids)
        )
    return np.asarray(kept, dtype=np.int64)


NL_SYMBOL_STORES = (
    "--pairs nl-symbol: the instruction-span and symbol-span stores",
    "extract both spans from the same analysis split",
)


def align_by_ids(
    ids_a: Sequence[Hashable], ids_b: Sequence[Hashable], what: tuple[str, str] = NL_SYMBOL_STORES
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of two stores that hold the same sample: ``(idx_a [m], idx_b [m])`` in the order of ``ids_a``.

    ``what``: ``(the two stores, how to fix it)`` for the messages (default: the ``nl-symbol``
    pairing, store a instruction-span vectors, store b symbol-span vectors). Ids present in only
    one store are dropped (logged); no common id is a :class:`UserError`.
    """
    stores, fix = what
    pos_b = _positions(ids_b, "second store")
    _positions(ids_a, "first store")
    idx_a = [i for i, sid in enumerate(ids_a) if sid in pos_b]
    if not idx_a:
        raise UserError(f"{stores} share no sample id; {fix}")
    idx_b = [pos_b[ids_a[i]] for i in idx_a]
    missing = len(ids_a) + len(ids_b) - 2 * len(idx_a)
    if missing:
        log.warning("%s: %d sample id(s) are in only one of the two", stores, missing)
    return np.asarray(idx_a, dtype=np.int64), np.asarray(idx_b, dtype=np.int64)


@dataclass(frozen=True)
class KeyPairs:
    """Pairs of rows with the same key in different groups.

    ``pairs``: ``[P, 2]`` int64 row indices (i, j), i < j, sorted; all valid pairs if there are at
    most ``max_pairs``, else a uniform sample of ``max_pairs`` of them without replacement.
    ``total``: how many valid pairs exist (before the cap).
    """

    pairs: np.ndarray
    total: int


def key_pairs(keys: Sequence[Hashable], apart: Sequence[Hashable], max_pairs: int, seed: int) -> KeyPairs:
    """Pairs of rows ``i < j`` with ``keys[i] == keys[j]`` and ``apart[i] != apart[j]``.

    ``keys``, ``apart``: ``[n]`` (e.g. a symbol and the sample it is in: the same symbol in two
    different samples; or a concept and a family: one concept in two different families). Never
    enumerates the pairs it does not return: rows are ordered by (key, apart); a row at sorted
    position p pairs with the rows after its ``apart`` run up to the end of its key run, so the valid
    pairs are numbered by a cumulative sum over rows and a linear index maps to a pair by one
    ``searchsorted``. Deterministic given ``seed`` (drawn as in :func:`family_pairs`).
    """
    if isinstance(max_pairs, bool) or not isinstance(max_pairs, int | np.integer) or max_pairs < 1:
        raise UserError(f"max_pairs must be an integer >= 1, got {max_pairs!r}")
    if len(keys) != len(apart):
        raise UserError(f"{len(keys)} keys for {len(apart)} group labels; pass one of each per row")
    n = len(keys)
    key_code = np.unique(np.asarray([str(k) for k in keys], dtype=object), return_inverse=True)[1]
    apart_code = np.unique(np.asarray([str(a) for a in apart], dtype=object), return_inverse=True)[1]
    order = np.lexsort((apart_code, key_code)).astype(np.int64)
    k_sorted, a_sorted = key_code[order], apart_code[order]
    pos = np.arange(n, dtype=np.int64)
    new_key = np.r_[True, k_sorted[1:] != k_sorted[:-1]] if n else np.empty(0, bool)
    new_run = new_key | np.r_[True, a_sorted[1:] != a_sorted[:-1]] if n else np.empty(0, bool)
    key_end = _run_end(new_key, pos)
    run_end = _run_end(new_run, pos)
    partners = key_end - run_end  # rows later in the key run and outside this row's apart run
    cum = np.cumsum(partners)
    total = int(cum[-1]) if n else 0
    if total <= max_pairs:
        linear = np.arange(total, dtype=np.int64)
    else:
        rng = np.random.default_rng(derive_seed(seed, "key-pairs"))
        linear = np.sort(rng.choice(total, size=int(max_pairs), replace=False))
    p = np.searchsorted(cum, linear, side="right")
    q = run_end[p] + (linear - (cum[p] - partners[p]))
    pairs = np.sort(np.stack([order[p], order[q]], axis=1), axis=1)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    return KeyPairs(pairs.astype(np.int64).reshape(-1, 2), total)


def _run_end(starts: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """``[n]`` the (exclusive) end of the run each sorted position is in; ``starts`` marks run starts."""
    start_pos = pos[starts]
    ends = np.r_[start_pos[1:], len(pos)]
    return ends[np.cumsum(starts) - 1] if len(pos) else pos
