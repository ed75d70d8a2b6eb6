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

from analysis.extract.batching import Batch, SymbolPool
from analysis.layers import FINAL_NORM, LayerKey, sort_layers
from lm.kvcache import cache_argument

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

    A batch with a :class:`~analysis.extract.batching.SymbolPool` also leaves its symbols' vectors
    ``{layer: [count, d] float32}`` in :attr:`symbols` for the layers in ``symbol_layers``, pooled
    by the same hooks from the same hidden states. Only valid inside :func:`capturing` (which owns
    the hooks).
    """

    def __init__(
        self,
        decoder: nn.Module,
        layers: Sequence[LayerKey],
        symbol_layers: Sequence[LayerKey] = (),
        blocks_run: int = 0,
    ):
        self.decoder = decoder
        self.layers = list(layers)
        self.symbol_layers = list(symbol_layers)
        self.blocks_run = blocks_run  # decoder blocks a forward runs before it is stopped
        self.symbols: dict[LayerKey, torch.Tensor] = {}
        self.cache: Any = None  # the last forward's key/value cache, when it kept one
        self._cache_arg = cache_argument(decoder)
        self._weights: torch.Tensor | None = None
        self._pool: SymbolPool | None = None
        self._out: dict[LayerKey, torch.Tensor] = {}

    def record(self, key: LayerKey, hidden: torch.Tensor, stop: bool) -> None:
        """Pool ``hidden`` ``[b, T, d]`` with the current batch's weights (and into its symbols);
        stop the forward if asked."""
        if self._weights is None:  # a forward not started by run(): leave it alone
            return
        self._out[key] = torch.einsum("bt,btd->bd", self._weights, hidden.to(torch.float32))
        pool = self._pool
        if pool is not None and key in self.symbol_layers:
            rows = hidden.reshape(-1, hidden.shape[-1])[pool.index].to(torch.float32)
            out = torch.zeros((pool.count, hidden.shape[-1]), dtype=torch.float32, device=rows.device)
            self.symbols[key] = out.index_add_(0, pool.owner, rows * pool.weight[:, None])
        if stop:
            raise _StopForward

    def run(self, batch: Batch) -> dict[LayerKey, torch.Tensor]:
        """Forward ``batch`` (no grad, no logits) and return its pooled vectors per layer. With a
        ``past`` or prefixes to ``keep``, the forward's key/value cache is left in :attr:`cache`."""
        param = next(self.decoder.parameters())
        device = param.device
        self._weights = batch.weights.to(device)
        self._pool = _pool_on(batch.symbols, device)
        self._out, self.symbols, self.cache = {}, {}, _cache_for(batch, device)
        try:
            with torch.inference_mode():
                self.decoder(
                    input_ids=batch.input_ids.to(device),
                    attention_mask=_mask_for(batch.attention_mask, param.dtype, device),
                    position_ids=batch.position_ids.to(device),
                    use_cache=self.cache is not None,
                    **{self._cache_arg: self.cache},
                )
        except _StopForward:
            pass
        finally:
            self._weights, self._pool = None, None
        missing = [k for k in self.layers if k not in self._out]
        if missing:
            raise RuntimeError(f"layers {missing} were not reached by the forward (hooks not called)")
        out, self._out = self._out, {}
        self.symbols = {k: v.cpu() for k, v in self.symbols.items()}
        return {k: out[k].cpu() for k in self.layers}


def _cache_for(batch: Batch, device: torch.device) -> Any:
    """A key/value cache holding the batch's past (empty when it only keeps prefixes), or None."""
    if batch.past is None and not batch.keep:
        return None
    from transformers import DynamicCache

    if batch.past is None:
        return DynamicCache()
    return DynamicCache(ddp_cache_data=[(k.to(device), v.to(device)) for k, v in batch.past])


def _mask_for(mask: torch.Tensor | None, dtype: torch.dtype, device: torch.device) -> torch.Tensor | None:
    """The mask as the model takes it: a bool ``[b, 1, T, S]`` mask becomes additive in ``dtype``."""
    if mask is None:
        return None
    if mask.dtype != torch.bool:
        return mask.to(device)
    return torch.zeros(mask.shape, dtype=dtype, device=device).masked_fill_(
        ~mask.to(device), torch.finfo(dtype).min
    )


def _pool_on(pool: SymbolPool | None, device: torch.device) -> SymbolPool | None:
    if pool is None:
        return None
    return SymbolPool(pool.index.to(device), pool.owner.to(device), pool.weight.to(device), pool.count)


@contextlib.contextmanager
def capturing(
    model: nn.Module, layers: Sequence[LayerKey], symbol_layers: Sequence[LayerKey] = ()
) -> Iterator[Capturer]:
    """Attach hooks for ``layers`` (and ``symbol_layers``) to ``model`` and yield a
    :class:`Capturer`; hooks always removed."""
    decoder, blocks, norm = decoder_parts(model)
    keys = sort_layers([*layers, *symbol_layers])
    if not keys:
        raise ValueError("no layers to capture")
    deepest: LayerKey = FINAL_NORM if FINAL_NORM in keys else max(k for k in keys if isinstance(k, int))
    cap = Capturer(decoder, keys, symbol_layers, len(blocks) if deepest == FINAL_NORM else int(deepest))
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
