"""Length-bucketed batches under a token budget, and their padded tensors with pooling weights.

Sorting by length before batching keeps padding small: a batch of samples of similar length
costs ``batch_size × max_length`` padded tokens, and :func:`plan_batches` keeps that product
under ``batch_tokens``. Either padding side gives the same vectors because every row gets its
own position ids (``0..n-1`` over its real tokens) and pads are masked out of attention (left
padding), or come after every real token so that causal attention never sees them (right
padding, which therefore needs no mask and is the default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from analysis.extract.spans import Item
from analysis.store import POOLINGS

DEFAULT_BATCH_TOKENS = 2048


def plan_batches(lengths: Sequence[int], batch_tokens: int = DEFAULT_BATCH_TOKENS) -> list[list[int]]:
    """Group indices into ``lengths`` into padded batches under a token budget.

    Every batch ``b`` satisfies ``len(b) × max(lengths[b]) <= batch_tokens``, except that a
    single sample longer than the budget forms a batch of its own. Order is deterministic:
    indices sorted by ``(length, index)``.
    """
    if batch_tokens < 1:
        raise ValueError(f"batch_tokens must be >= 1, got {batch_tokens}")
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    widest = 0
    for i in order:
        width = max(widest, lengths[i])  # every row of a batch is padded to its longest
        if current and (len(current) + 1) * width > batch_tokens:
            batches.append(current)
            current, width = [], lengths[i]
        current.append(i)
        widest = width
    if current:
        batches.append(current)
    return batches


@dataclass(frozen=True)
class Batch:
    """Padded model inputs for a list of items, plus the pooling weights.

    ``input_ids``, ``position_ids``: ``[b, T]`` int64; ``attention_mask``: ``[b, T]`` int64 with 1
    on real tokens, or None when no row is padded on the left (see :func:`collate`), or with a
    ``past`` the ``[b, 1, T, P + T]`` bool mask of the keys each query sees
    (:func:`analysis.extract.prefix.past_mask`); ``weights``: ``[b, T]`` float32 whose row sums to
    1 over the row's pooled positions (0 elsewhere, always 0 on padding). ``past``: per block
    ``(K, V)`` ``[b, heads, P, head_dim]`` of the rows' shared prefixes
    (:mod:`analysis.extract.prefix`); ``keep``: ``(row, key columns, ids)`` of prefixes to cut
    from the forward's cache.
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor | None
    position_ids: torch.Tensor
    weights: torch.Tensor
    symbols: SymbolPool | None = None
    past: tuple[tuple[torch.Tensor, torch.Tensor], ...] | None = None
    keep: tuple[tuple[int, torch.Tensor, tuple[int, ...]], ...] = ()


@dataclass(frozen=True)
class SymbolPool:
    """How a batch's hidden states ``[b, T, d]`` pool into its symbols' vectors ``[count, d]``.

    ``index`` ``[m]`` int64: flat positions ``row * T + t``; ``owner`` ``[m]`` int64: the symbol
    (``0..count-1``, in item order, then the output's symbol order) that position pools into;
    ``weight`` ``[m]`` float32: ``1 / n_tokens`` of that symbol.
    """

    index: torch.Tensor
    owner: torch.Tensor
    weight: torch.Tensor
    count: int


def symbol_pool(items: Sequence[Item], offsets: Sequence[int], width: int) -> SymbolPool:
    """The :class:`SymbolPool` of ``items`` padded to ``width`` (``offsets[r]``: the column of row
    ``r``'s token 0: non-zero under left padding, negative when a prefix is not computed)."""
    index: list[int] = []
    owner: list[int] = []
    weight: list[float] = []
    count = 0
    for row, it in enumerate(items):
        for sym in it.symbols:
            index.extend(row * width + offsets[row] + p for p in sym.positions)
            owner.extend([count] * len(sym.positions))
            weight.extend([1.0 / len(sym.positions)] * len(sym.positions))
            count += 1
    return SymbolPool(
        torch.tensor(index, dtype=torch.long),
        torch.tensor(owner, dtype=torch.long),
        torch.tensor(weight, dtype=torch.float32),
        count,
    )


def token0_columns(items: Sequence[Item], starts: Sequence[int], width: int, padding_side: str) -> list[int]:
    """Per row, the column token 0 of its item would sit in when rows hold tokens ``starts[r]``
    to :attr:`Item.needed` padded to ``width`` on ``padding_side`` (negative past a prefix)."""
    return [
        (width - (it.needed - s) if padding_side == "left" else 0) - s
        for it, s in zip(items, starts, strict=True)
    ]


def collate(
    items: Sequence[Item],
    pad_id: int,
    padding_side: str = "right",
    pooling: str = "mean",
    starts: Sequence[int] | None = None,
) -> Batch:
    """Pad ``items`` to their longest on ``padding_side`` and build mean- or last-pooling weights.

    Each row holds the item's tokens from ``starts[i]`` (default 0: a prefix computed before is
    not run again) up to its last pooled position (:attr:`Item.needed`); position ids count from
    ``starts[i]``.
    """
    if padding_side not in ("left", "right"):
        raise ValueError(f"padding_side must be 'left' or 'right', got {padding_side!r}")
    if pooling not in POOLINGS:
        raise ValueError(f"unknown pooling {pooling!r}; use one of {POOLINGS}")
    if not items:
        raise ValueError("cannot collate an empty batch")
    starts = list(starts) if starts is not None else [0] * len(items)
    width = max(it.needed - s for it, s in zip(items, starts, strict=True))
    b = len(items)
    ids = torch.full((b, width), pad_id, dtype=torch.long)
    mask = torch.zeros((b, width), dtype=torch.long)
    pos = torch.zeros((b, width), dtype=torch.long)
    weights = torch.zeros((b, width), dtype=torch.float32)
    offsets = token0_columns(items, starts, width, padding_side)
    for row, it in enumerate(items):
        s, n = starts[row], it.needed  # tokens after the last pooled one cannot affect it: not computed
        off = offsets[row]
        ids[row, off + s : off + n] = torch.tensor(it.input_ids[s:n], dtype=torch.long)
        mask[row, off + s : off + n] = 1
        pos[row, off + s : off + n] = torch.arange(s, n)
        if pooling == "mean":
            weights[row, [off + p for p in it.positions]] = 1.0 / len(it.positions)
        else:
            weights[row, off + it.positions[-1]] = 1.0
    # Right padding needs no mask: in a causal model a real token only attends to earlier
    # positions, which are all real, so pads cannot reach any pooled position (and the causal
    # attention kernel, without a padding mask, is faster and allocates no [b, 1, T, T] mask).
    padded = padding_side == "left" and bool((mask == 0).any())
    pool = symbol_pool(items, offsets, width) if any(it.symbols for it in items) else None
    return Batch(ids, mask if padded else None, pos, weights, pool)
