"""DeepSpeed JSON configs: read, and fill the ``"auto"`` fields from the training config.

The shipped JSONs leave batch sizes, gradient clipping, precision and ZeRO bucket sizes as
``"auto"`` (the Hugging Face convention) so that one JSON serves every model and batch shape.
DeepSpeed itself does not know ``"auto"``; :func:`fill_auto` replaces each one, and any
``"auto"`` it does not know is an error naming the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from symbolscope.errors import UserError
from symbolscope.reading import read_json


def read_ds_config(path: Path) -> dict[str, Any]:
    """Parse a DeepSpeed JSON file (:class:`UserError` if it is not a JSON object)."""
    data = read_json(path, "DeepSpeed JSON config", 16 << 20)
    if not isinstance(data, dict):
        raise UserError(f"{path}: a DeepSpeed config must be a JSON object")
    return data


def _set_auto(section: dict[str, Any], key: str, value: Any) -> None:
    if section.get(key) == "auto":
        section[key] = value


def _find_auto(obj: Any, where: str = "") -> list[str]:
    if isinstance(obj, dict):
        return [k for key, v in obj.items() for k in _find_auto(v, f"{where}{key}.")]
    return [where.rstrip(".")] if obj == "auto" else []


def fill_auto(
    ds: dict[str, Any],
    *,
    micro_batch: int,
    grad_accum: int,
    world: int,
    max_grad_norm: float,
    bf16: bool,
    hidden_size: int,
    path: Path | str = "deepspeed config",
) -> dict[str, Any]:
    """A copy of ``ds`` with every ``"auto"`` replaced; batch sizes are in packed rows.

    ``train_batch_size = micro_batch × grad_accum × world``. Explicit numbers must agree with
    that product (DeepSpeed would assert otherwise, with a less helpful message).
    """
    out = json.loads(json.dumps(ds))
    _set_auto(out, "train_micro_batch_size_per_gpu", micro_batch)
    _set_auto(out, "gradient_accumulation_steps", grad_accum)
    _set_auto(out, "train_batch_size", micro_batch * grad_accum * world)
    _set_auto(out, "gradient_clipping", max_grad_norm)
    for key, on in (("bf16", bf16), ("fp16", False)):
        if isinstance(out.get(key), dict):
            _set_auto(out[key], "enabled", on)
    zero = out.get("zero_optimization")
    if isinstance(zero, dict):
        _set_auto(zero, "reduce_bucket_size", hidden_size * hidden_size)
        _set_auto(zero, "stage3_prefetch_bucket_size", int(0.9 * hidden_size * hidden_size))
        _set_auto(zero, "stage3_param_persistence_threshold", 10 * hidden_size)
    left = _find_auto(out)
    if left:
        raise UserError(f'{path}: no value for "auto" in {", ".join(left)}; give a number there')
    mb, ga, tb = (
        out.get("train_micro_batch_size_per_gpu"),
        out.get("gradient_accumulation_steps"),
        out.get("train_batch_size"),
    )
    if (mb, ga, tb) != (micro_batch, grad_accum, micro_batch * grad_accum * world):
        raise UserError(
            f"{path}: batch fields (micro {mb}, accumulation {ga}, total {tb}) disagree with the training "
            f'config (micro_batch_rows {micro_batch}, grad_accum {grad_accum}, world {world}); set them to "auto"'
        )
    out.setdefault("zero_allow_untested_optimizer", True)
    out.setdefault("steps_per_print", 10**9)
    out.setdefault("wall_clock_breakdown", False)
    return out


def zero_stage(ds: dict[str, Any]) -> int:
    """The ZeRO stage of a DeepSpeed config (0 when absent)."""
    zero = ds.get("zero_optimization")
    return int(zero.get("stage", 0)) if isinstance(zero, dict) else 0
