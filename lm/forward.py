"""One forward pass on a (packed or padded) batch, and the summed token cross-entropy.

Losses are *sums* over trainable positions, divided later by the number of trainable tokens of
the whole optimizer step (all micro-batches, all ranks). That makes the loss of a packed batch
identical to the loss of its samples run one by one, and makes 1-process and N-process runs
agree.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.nn.functional as F

from lm.masking import IGNORE
from lm.packing import Batch


def token_loss_sum(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Sum of cross-entropy (nats, fp32) over positions whose target is not -100.

    ``logits``: ``(B, L, V)``; ``targets``: ``(B, L)`` already shifted. Returns a scalar.
    """
    keep = targets != IGNORE
    if not bool(keep.any()):
        return logits.sum() * 0.0  # keeps the graph (and every rank's collectives) alive
    return F.cross_entropy(logits[keep].float(), targets[keep], reduction="sum")


@contextlib.contextmanager
def autocast(kind: str) -> Iterator[None]:
    """``bf16`` autocast on the batch's device type, or nothing for ``none``."""
    if kind == "bf16":
        device = "cuda" if torch.cuda.is_available() else "cpu"
        with torch.autocast(device_type=device, dtype=torch.bfloat16):
            yield
    else:
        yield


def forward_loss(
    model: Callable[..., Any], batch: Batch, device: torch.device, autocast_kind: str = "none"
) -> tuple[torch.Tensor, int]:
    """Run ``model`` on ``batch``; return ``(summed token loss, trainable tokens)``."""
    inputs = {k: batch[k].to(device) for k in ("input_ids", "position_ids", "attention_mask") if k in batch}
    with autocast(autocast_kind):
        logits = model(**inputs, use_cache=False).logits
    targets = batch["targets"].to(device)
    return token_loss_sum(logits, targets), int((targets != IGNORE).sum())
