"""Capture pooled hidden states with forward hooks, stopping after the deepest requested layer.

Layer numbering is in :mod:`analysis.layers`: ``0`` is the input of the first decoder block
(the embedding output, HF's ``hidden_states[0]``), ``i`` in ``1..L`` the output of block ``i``
before the final norm, ``final_norm`` the output of the final norm (HF's ``hidden_states[-1]``,
which HF ties to the post-norm ``last_hidden_state``).

The forward runs on the decoder stack alone (``model.base_model``), never the LM head, and is cut
short by an exception raised from the hook of the deepest requested layer, so neither logits
nor the blocks above it are computed. Hooks pool each captured state on the spot into a
``[b, d]`` fp32 tensor (so no ``[b, T, d]`` tensor outlives its block), and are removed when
the :func:`capturing` context exits, also on error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import nn

from analysis.extract.batching import Batch
from analysis.layers import FINAL_NORM, LayerKey

_BLOCK_NAMES = ("layers", "h", "blocks")
_NORM_NAMES = ("norm", "ln_f", "final_layernorm", "final_norm")


class _StopForward(Exception):
    """Raised by the deepest hook to end the forward early (never escapes :class:`Capturer`)."""


def decoder_parts(model: nn.Module) -> tuple[nn.Module, nn.ModuleList, nn.Module | None]:
    """``(decoder, blocks, final_norm)`` of a causal LM (LLaMA-style or GPT-2-style naming)."""
    decoder = getattr(model, "base_model", model)
    blocks = next(
        (getattr(decoder, n) for n in _BLOCK_NAMES if isinstance(getattr(decoder, n, None), nn.ModuleList)),
        None,
    )
    if blocks is None or len(blocks) == 0:
        raise TypeError(f"{type(model).__name__}: no decoder blocks found (looked for {_BLOCK_NAMES})")
    norm = next(
        (getattr(decoder, n) for n in _NORM_NAMES if isinstance(getattr(decoder, n, None), nn.Module)), None
    )
    return decoder, blocks, norm


def _first_tensor(value: Any) -> torch.Tensor:
    return value[0] if isinstance(value, tuple | list) else value


class Capturer:
    """Runs batches through the decoder and returns ``{layer: [b, d] float32}`` pooled vectors.

    Only valid inside :func:`capturing` (which owns the hooks).
    """

    def __init__(self, decoder: nn.Module, layers: Sequence[LayerKey]):
        self.decoder = decoder
        self.layers = list(layers)
        self._weights: torch.Tensor | None = None
        self._out: dict[LayerKey, torch.Tensor] = {}

    def record(self, key: LayerKey, hidden: torch.Tensor, stop: bool) -> None:
        """Pool ``hidden`` ``[b, T, d]`` with the current batch's weights; stop the forward if asked."""
        if self._weights is None:  # a forward not started by run(): leave it alone
            return
        self._out[key] = torch.einsum("bt,btd->bd", self._weights, hidden.to(torch.float32))
        if stop:
            raise _StopForward

    def run(self, batch: Batch) -> dict[LayerKey, torch.Tensor]:
        """Forward ``batch`` (no grad, no cache, no logits) and return its pooled vectors per layer."""
        device = next(self.decoder.parameters()).device
        mask = batch.attention_mask.to(device) if batch.attention_mask is not None else None
        self._weights = batch.weights.to(device)
        self._out = {}
        try:
            with torch.inference_mode():
                self.decoder(
                    input_ids=batch.input_ids.to(device),
                    attention_mask=mask,
                    position_ids=batch.position_ids.to(device),
                    use_cache=False,
                )
        except _StopForward:
            pass
        finally:
            self._weights = None
        missing = [k for k in self.layers if k not in self._out]
        if missing:
            raise RuntimeError(f"layers {missing} were not reached by the forward (hooks not called)")
        out, self._out = self._out, {}
        return {k: out[k].cpu() for k in self.layers}


@contextlib.contextmanager
def capturing(model: nn.Module, layers: Sequence[LayerKey]) -> Iterator[Capturer]:
    """Attach hooks for ``layers`` to ``model`` and yield a :class:`Capturer`; hooks always removed."""
    decoder, blocks, norm = decoder_parts(model)
    keys = list(layers)
    if not keys:
        raise ValueError("no layers to capture")
    deepest: LayerKey = FINAL_NORM if FINAL_NORM in keys else max(k for k in keys if isinstance(k, int))
    cap = Capturer(decoder, keys)
    handles = []
    try:
        for key in keys:
            stop = key == deepest
            if key == FINAL_NORM:
                if norm is None:
                    raise TypeError(f"{type(model).__name__}: no final norm module found")
                handles.append(
                    norm.register_forward_hook(
                        lambda _m, _a, out, stop=stop: cap.record(FINAL_NORM, _first_tensor(out), stop)
                    )
                )
            elif key == 0:
                handles.append(
                    blocks[0].register_forward_pre_hook(
                        lambda _m, args, kwargs, stop=stop: cap.record(
                            0, args[0] if args else kwargs["hidden_states"], stop
                        ),
                        with_kwargs=True,
                    )
                )
            else:
                handles.append(
                    blocks[key - 1].register_forward_hook(
                        lambda _m, _a, out, key=key, stop=stop: cap.record(key, _first_tensor(out), stop)
                    )
                )
        yield cap
    finally:
        for handle in handles:
            handle.remove()
