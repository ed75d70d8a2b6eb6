"""Shared prompt prefixes: compute a prefix's keys and values once, then only what follows it.

Every sample starts with the same system prompt, and a corrupted twin repeats its original's
whole prompt. In a causal model the hidden states after a prefix depend on the prefix only
through its keys and values, so a prefix computed once can serve every sample that starts with
it: the sample runs only its own tokens, with the prefix's keys and values as the past and
position ids continuing after it. Vectors equal the uncached ones to float rounding (tested to
1e-5). A prefix never reaches a pooled token (it stops before a sample's first pooled position),
so no pooled state comes from a cache.

The engine runs each chunk's common prefix (the system prompt) once, first. :class:`PrefixCache`
holds, by their token ids and under a byte budget, the prefixes a later extraction asked for with
:meth:`PrefixCache.want` (the twins' prompts, asked for before their originals are extracted),
cut from the forward that computed them. A prefix serves only the model that computed it: the
cache lives with the loaded model (:func:`analysis.extract.engine.holding_models`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import torch

from analysis.extract.batching import Batch, token0_columns
from analysis.extract.spans import Item
from lm.kvcache import common_prefix

__all__ = ["DEFAULT_BUDGET", "MIN_PREFIX", "Prefix", "PrefixCache", "attach", "common_prefix"]

#: A shared prefix shorter than this is not worth a pass of its own.
MIN_PREFIX = 8
#: Bytes of prefix keys and values a cache holds at most (the embedded default's twins need ~4 GB).
DEFAULT_BUDGET = 8 << 30

KV = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class Prefix:
    """The keys and values of ``ids`` per decoder block: ``kv[i]`` is ``(K, V)``, each
    ``[heads, len(ids), head_dim]``, for blocks ``0..len(kv)-1``."""

    ids: tuple[int, ...]
    kv: tuple[KV, ...]

    @property
    def nbytes(self) -> int:
        """Bytes of its tensors."""
        return sum(k.nbytes + v.nbytes for k, v in self.kv)


@dataclass
class PrefixCache:
    """Prefixes by token ids (:class:`Prefix`), at most ``budget`` bytes, and the prefixes a
    later extraction will look up (``want``)."""

    budget: int = DEFAULT_BUDGET
    entries: dict[tuple[int, ...], Prefix] = field(default_factory=dict)
    wanted: dict[int, set[tuple[int, ...]]] = field(default_factory=dict)
    used: int = 0
    lengths: set[int] = field(default_factory=set)

    def want(self, ids: Sequence[int]) -> None:
        """Ask that the prefix ``ids`` be kept when an extraction computes it."""
        if len(ids) >= MIN_PREFIX:
            self.wanted.setdefault(len(ids), set()).add(tuple(ids))

    def wanted_in(self, ids: Sequence[int], limit: int) -> int:
        """The longest wanted prefix of ``ids`` of at most ``limit`` tokens not yet held (0: none)."""
        for n in sorted((n for n in self.wanted if n <= limit), reverse=True):
            head = tuple(ids[:n])
            if head in self.wanted[n] and head not in self.entries:
                return n
        return 0

    def add(self, prefix: Prefix) -> bool:
        """Hold ``prefix`` if it fits the budget; whether it is held."""
        if prefix.ids in self.entries:
            return True
        if self.used + prefix.nbytes > self.budget:
            return False
        self.entries[prefix.ids] = prefix
        self.lengths.add(len(prefix.ids))
        self.used += prefix.nbytes
        return True

    def longest(self, ids: Sequence[int], limit: int, blocks: int) -> Prefix | None:
        """The longest held prefix of ``ids`` of at most ``limit`` tokens with keys and values for
        at least ``blocks`` blocks, or None."""
        for n in sorted((n for n in self.lengths if n <= limit), reverse=True):
            prefix = self.entries.get(tuple(ids[:n]))
            if prefix is not None and len(prefix.kv) >= blocks:
                return prefix
        return None


def gather_past(pasts: Sequence[Prefix | None], blocks: int) -> tuple[tuple[KV, ...], int]:
    """The batch's past ``((K, V) [b, heads, P, head_dim] per block, P)``: row ``r`` holds
    ``pasts[r]``'s keys and values in its first ``len(ids)`` columns, zeros after (masked)."""
    width = max(len(p.ids) for p in pasts if p is not None)
    sample = next(p for p in pasts if p is not None).kv[0][0]
    heads, dim = sample.shape[0], sample.shape[2]
    out: list[KV] = []
    for block in range(blocks):
        k = torch.zeros((len(pasts), heads, width, dim), dtype=sample.dtype)
        v = torch.zeros_like(k)
        for row, p in enumerate(pasts):
            if p is not None:
                k[row, :, : len(p.ids)] = p.kv[block][0]
                v[row, :, : len(p.ids)] = p.kv[block][1]
        out.append((k, v))
    return tuple(out), width


def past_mask(starts: Sequence[int], real: torch.Tensor, width: int) -> torch.Tensor:
    """Which keys each query may see, ``[b, 1, T, width + T]`` bool: the first ``starts[r]``
    past columns of its row, then its row's real tokens up to itself (causal). ``real`` ``[b, T]``
    marks real (non-pad) tokens."""
    b, t = real.shape
    past = torch.arange(width)[None, :] < torch.tensor(starts)[:, None]  # [b, width]
    causal = torch.ones((t, t), dtype=torch.bool).tril()  # [T, T]
    now = causal[None] & real.bool()[:, None, :]  # [b, T, T]
    return torch.cat([past[:, None, :].expand(b, t, width), now], dim=2)[:, None]


def harvest(cache: object, row: int, columns: torch.Tensor, ids: tuple[int, ...]) -> Prefix:
    """The :class:`Prefix` of ``ids`` cut from a forward's cache: row ``row``, key columns
    ``columns`` ``[len(ids)]`` (its past columns, then its computed tokens)."""
    kv = tuple(
        (layer.keys[row, :, columns].clone().cpu(), layer.values[row, :, columns].clone().cpu())
        for layer in cache.layers  # type: ignore[attr-defined]
        if getattr(layer, "keys", None) is not None and layer.keys.numel()
    )
    return Prefix(ids, kv)


def attach(
    batch: Batch,
    items: Sequence[Item],
    pasts: Sequence[Prefix | None],
    wants: Sequence[int],
    padding_side: str,
    blocks: int,
) -> Batch:
    """``batch`` (collated from ``items``, each starting after its past) with the rows' pasts
    and the mask that goes with them, and the prefixes to keep: row ``r``'s first ``wants[r]``
    tokens (0: none)."""
    starts = [len(p.ids) if p is not None else 0 for p in pasts]
    t = batch.input_ids.shape[1]
    zero = token0_columns(items, starts, t, padding_side)
    width = 0
    out = batch
    if any(starts):
        past, width = gather_past(pasts, blocks)
        real = torch.zeros((len(items), t), dtype=torch.bool)
        for row, it in enumerate(items):
            real[row, zero[row] + starts[row] : zero[row] + it.needed] = True
        out = replace(batch, past=past, attention_mask=past_mask(starts, real, width))
    keep = []
    for row, (it, want) in enumerate(zip(items, wants, strict=True)):
        if want:
            s = starts[row]
            cols = [*range(min(want, s)), *(width + zero[row] + p for p in range(s, want))]
            keep.append((row, torch.tensor(cols, dtype=torch.long), tuple(it.input_ids[:want])))
    return replace(out, keep=tuple(keep))
