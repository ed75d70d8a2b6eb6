"""Layer names for extraction: which hidden states a request means, without loading a model.

Numbering (docs/design.md, "Representations"), for a model with ``L`` decoder blocks:

- ``0``: the embedding output (the input of the first block; HF's ``hidden_states[0]``);
- ``1..L``: the output of block ``i``, *before* the final norm (so ``L`` is the residual stream
  after the last block, which HF does **not** return: its ``hidden_states[-1]`` is post-norm);
- ``"final_norm"``: the post-norm state the LM head reads (HF's ``hidden_states[-1]``).

Negative integers count from the end: ``-1`` is ``L``, ``-(L + 1)`` is ``0``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from symbolscope.cli import option
from symbolscope.errors import UserError

FINAL_NORM = "final_norm"
LayerKey = int | str  # an int in 0..L, or FINAL_NORM


def layers_option(default: str) -> Any:
    """The ``layers`` field of a config (``--layers``): ``all | last | comma list``."""
    return option(default, "all | last | comma list (ints, negatives counting from the end, final_norm)")


def valid_range(num_layers: int) -> str:
    """Human description of the valid layer names for a model with ``num_layers`` blocks."""
    n = num_layers
    return (
        f"valid layers are 0..{n} (0 = embeddings, {n} = last block before the final norm), "
        f"-{n + 1}..-1 counting from the end, '{FINAL_NORM}', or 'all'"
    )


def normalise_layer(layer: int | str, num_layers: int, where: str = "") -> LayerKey:
    """Map one layer name (int, numeric string, negative index or ``final_norm``) to its key."""
    if isinstance(layer, str):
        text = layer.strip()
        if text == FINAL_NORM:
            return FINAL_NORM
        try:
            layer = int(text)
        except ValueError:
            raise UserError(f"layer '{text}'{where} is not a layer; {valid_range(num_layers)}") from None
    if isinstance(layer, bool) or not isinstance(layer, int):
        raise UserError(f"layer {layer!r}{where} is not a layer; {valid_range(num_layers)}")
    if not -(num_layers + 1) <= layer <= num_layers:
        raise UserError(f"layer {layer}{where} is out of range; {valid_range(num_layers)}")
    return layer + num_layers + 1 if layer < 0 else layer


def sort_layers(keys: Sequence[LayerKey]) -> list[LayerKey]:
    """Deduplicate and order keys: blocks ascending, then ``final_norm``."""
    ints = sorted({k for k in keys if isinstance(k, int)})
    return [*ints, FINAL_NORM] if FINAL_NORM in keys else ints


def parse_layers(spec: str | int | Sequence[int | str], num_layers: int, where: str = "") -> list[LayerKey]:
    """Parse ``"all"``, ``"every:K"``, ``"0,10,20"``, ``"-1"``, ``"final_norm"``, an int or a list
    into sorted keys.

    ``all`` is ``0..L`` plus ``final_norm``; ``every:K`` is ``0, K, 2K, ...`` and always ``L``
    (e.g. ``every:3`` of 30 blocks: 0, 3, ..., 30). Raises :class:`UserError` naming the valid range.
    """
    if isinstance(spec, str):
        text = spec.strip()
        if text == "all":
            return [*range(num_layers + 1), FINAL_NORM]
        if text.startswith("every:"):
            return _every(text, num_layers, where)
        items: list[int | str] = [p for p in text.split(",") if p.strip()]
    elif isinstance(spec, int):
        items = [spec]
    else:
        items = list(spec)
    if not items:
        raise UserError(f"no layers requested{where}; {valid_range(num_layers)}")
    return sort_layers([normalise_layer(i, num_layers, where) for i in items])


def _every(text: str, num_layers: int, where: str) -> list[LayerKey]:
    step = text.partition(":")[2].strip()
    if not step.isdigit() or int(step) < 1:
        raise UserError(f"layers '{text}'{where}: every:K needs a whole number K >= 1")
    return sort_layers([*range(0, num_layers + 1, int(step)), num_layers])


def tensor_name(key: LayerKey) -> str:
    """The safetensors tensor name of a layer key: ``layer.<i>`` or ``layer.final_norm``."""
    return f"layer.{key}"


def select_layers(spec: str, available: Sequence[LayerKey]) -> list[LayerKey]:
    """Resolve ``last | all | "0,10,-1,final_norm"`` against the layers a store holds.

    ``last`` means ``L`` (the last block before the final norm); the result holds resolved keys
    exactly as stored. Raises :class:`UserError` naming the valid range or the stored layers.
    """
    ints = sorted(x for x in available if isinstance(x, int))
    if not ints:
        raise UserError("the store holds no integer layers")
    text = spec.strip()
    if text == "last":
        return [ints[-1]]
    if text == "all":
        return sort_layers(available)
    keys = parse_layers(text, ints[-1], where=" (--layers)")
    missing = [k for k in keys if k not in available]
    if missing:
        raise UserError(f"--layers: {missing} not in the store (stored: {list(available)})")
    return keys


def num_layers_of(model_dir: Path) -> int:
    """Number of decoder blocks read from ``config.json`` (no weights loaded)."""
    cfg = json.loads((Path(model_dir) / "config.json").read_text())
    cfg = cfg.get("text_config", cfg) if "num_hidden_layers" not in cfg else cfg
    n = cfg.get("num_hidden_layers") or cfg.get("n_layer") or cfg.get("num_layers")
    if not isinstance(n, int):
        raise UserError(f"{model_dir}/config.json: no num_hidden_layers; cannot number its layers")
    return n
