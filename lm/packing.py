"""Packing samples into fixed-length rows, and collating rows into model inputs.

Best-fit decreasing: samples are placed longest first, each into the open row whose free
space fits it most tightly (a new row when none fits). Inside a row every sample keeps its
own positions (``position_ids`` restart at 0) and attends only to itself: a block-diagonal
causal mask, given to the model as an *additive float* 4-D mask ``(B, 1, L, L)`` (0 =
attend, dtype minimum = blocked), which SDPA and eager attention both honour exactly. With
flash-attention (varlen) no mask is passed: the model derives the sample boundaries from the
``position_ids`` restarts. The tail of a row is padding that forms its own block (so no row
of the softmax is empty) and has no targets.

The padded baseline (:func:`collate_padded`) is the usual dynamic padding: each batch is
padded to its longest sample, with a 2-D padding mask.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import torch

from lm.masking import IGNORE, Example

Batch = dict[str, torch.Tensor]


def best_fit_decreasing(lengths: Sequence[int], capacity: int) -> list[list[int]]:
    """Pack items of ``lengths`` (each ≤ ``capacity``) into bins; returns bins of item indices.

    Deterministic: ties in length keep input order. O(n log n + n·bins) in the worst case.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    bins: list[list[int]] = []
    free: list[tuple[int, int]] = []  # (free space, bin index), kept sorted
    for i in order:
        n = lengths[i]
        if n > capacity:
            raise ValueError(f"item {i} has length {n} > capacity {capacity}")
        pos = bisect.bisect_left(free, (n, -1))
        if pos < len(free):
            space, b = free.pop(pos)
            bins[b].append(i)
            bisect.insort(free, (space - n, b))
        else:
            bins.append([i])
            bisect.insort(free, (capacity - n, len(bins) - 1))
    return bins


def packing_efficiency(lengths: Sequence[int], rows: Sequence[Sequence[int]], capacity: int) -> float:
    """Real tokens / (rows × capacity), in [0, 1]."""
    return sum(lengths[i] for row in rows for i in row) / max(1, len(rows) * capacity)


def block_causal_mask(seq_ids: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Additive mask ``(B, 1, L, L)`` from per-token block ids ``(B, L)``.

    Position ``i`` may attend to ``j`` iff ``j ≤ i`` and both belong to the same block.
    """
    length = seq_ids.shape[1]
    causal = torch.ones(length, length, dtype=torch.bool).tril()
    allowed = (seq_ids[:, :, None] == seq_ids[:, None, :]) & causal
    mask = torch.zeros(allowed.shape, dtype=dtype)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask[:, None]


def collate_packed(
    examples: Sequence[Example],
    rows: Sequence[Sequence[int]],
    length: int,
    pad_id: int,
    *,
    mask: str = "additive",
    mask_dtype: torch.dtype = torch.float32,
) -> Batch:
    """Build a packed batch of ``len(rows)`` rows of ``length`` tokens.

    Returns ``input_ids``, ``targets``, ``position_ids``, ``seq_ids`` (all ``(B, L)`` int64;
    ``seq_ids`` is the sample's index in its row, the padding block gets the next index) and,
    with ``mask="additive"``, ``attention_mask`` ``(B, 1, L, L)`` in ``mask_dtype``; with
    ``mask="none"`` (flash-attention varlen) no mask. An empty row is all padding.
    """
    b = len(rows)
    input_ids = torch.full((b, length), pad_id, dtype=torch.long)
    targets = torch.full((b, length), IGNORE, dtype=torch.long)
    position_ids = torch.zeros((b, length), dtype=torch.long)
    seq_ids = torch.zeros((b, length), dtype=torch.long)
    for r, row in enumerate(rows):
        at = 0
        for k, idx in enumerate(row):
            ex = examples[idx]
            n = len(ex)
            if at + n > length:
                raise ValueError(f"row {r} overflows: {at + n} > {length} tokens")
            input_ids[r, at : at + n] = torch.tensor(ex.input_ids)
            targets[r, at : at + n] = torch.tensor(ex.targets)
            position_ids[r, at : at + n] = torch.arange(n)
            seq_ids[r, at : at + n] = k
            at += n
        position_ids[r, at:] = torch.arange(length - at)
        seq_ids[r, at:] = len(row)
    batch: Batch = {
        "input_ids": input_ids,
        "targets": targets,
        "position_ids": position_ids,
        "seq_ids": seq_ids,
    }
    if mask == "additive":
        batch["attention_mask"] = block_causal_mask(seq_ids, mask_dtype)
    elif mask != "none":
        raise ValueError(f"unknown mask kind {mask!r}")
    return batch


def collate_padded(examples: Sequence[Example], indices: Sequence[int], pad_id: int) -> Batch:
    """Right-pad the samples ``indices`` to the longest of them (the dynamic-padding baseline).

    Returns ``input_ids``, ``targets``, ``position_ids`` ``(B, Lmax)`` and a 2-D
    ``attention_mask`` ``(B, Lmax)`` (1 = real token).
    """
    width = max(len(examples[i]) for i in indices)
    b = len(indices)
    input_ids = torch.full((b, width), pad_id, dtype=torch.long)
    targets = torch.full((b, width), IGNORE, dtype=torch.long)
    attention = torch.zeros((b, width), dtype=torch.long)
    for r, idx in enumerate(indices):
        ex = examples[idx]
        n = len(ex)
        input_ids[r, :n] = torch.tensor(ex.input_ids)
        targets[r, :n] = torch.tensor(ex.targets)
        attention[r, :n] = 1
    position_ids = torch.arange(width).expand(b, width).clone()
    return {
        "input_ids": input_ids,
        "targets": targets,
        "position_ids": position_ids,
        "attention_mask": attention,
    }
