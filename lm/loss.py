"""Validation loss: mean token cross-entropy (nats) on response tokens of held-out samples.

Samples are packed like training rows (packing is exact, see :mod:`lm.packing`), shared
over ranks, and every rank runs the same number of forward passes (ZeRO-3 needs all ranks in
every forward).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from lm.forward import forward_loss
from lm.masking import Example
from lm.packing import best_fit_decreasing, collate_packed
from symbolscope import distributed
from symbolscope.distributed import DistInfo


def mask_kind(model: torch.nn.Module) -> str:
    """``none`` for flash-attention (varlen from position_ids), else ``additive``."""
    impl = str(getattr(model.config, "_attn_implementation", "") or "")
    return "none" if impl.startswith("flash_attention") else "additive"


def mask_dtype(model: torch.nn.Module, autocast_kind: str) -> torch.dtype:
    """The dtype attention scores are computed in: bf16 under autocast, else the weights' dtype."""
    if autocast_kind == "bf16":
        return torch.bfloat16
    return next(model.parameters()).dtype if any(True for _ in model.parameters()) else torch.float32


@torch.no_grad()
def validation_loss(
    forward: Callable[..., Any],
    model: torch.nn.Module,
    examples: Sequence[Example],
    length: int,
    batch_rows: int,
    dist: DistInfo,
    pad_id: int,
    autocast_kind: str = "none",
) -> float | None:
    """Mean loss per trainable token over ``examples`` (None when there are none)."""
    if not examples:
        return None
    was_training = model.training
    model.eval()
    rows = best_fit_decreasing([len(e) for e in examples], length)
    per_rank = math.ceil(len(rows) / dist.world)
    mine = list(rows[dist.rank :: dist.world])
    mine += [[] for _ in range(per_rank - len(mine))]
    kind, dtype = mask_kind(model), mask_dtype(model, autocast_kind)
    total, count = 0.0, 0
    for i in range(0, len(mine), batch_rows):
        batch = collate_packed(
            examples, mine[i : i + batch_rows], length, pad_id, mask=kind, mask_dtype=dtype
        )
        loss, n = forward_loss(forward, batch, torch.device(dist.device), autocast_kind)
        total += float(loss)
        count += n
    total, count = distributed.all_reduce_sum([total, float(count)])
    model.train(was_training)
    return total / count if count else None
