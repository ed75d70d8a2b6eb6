"""Batched greedy decoding with a KV cache, left padding, a token budget per batch and a stop rule
per sample.

Prompts are sorted by length and packed into batches whose ``rows × (longest prompt + new
tokens)`` stays under ``batch_tokens``. Each batch is prefilled once (left-padded, position ids
from the attention mask, logits only for the last position), then decoded one token per step
from the cache; a row leaves the batch (and the cache) as soon as it emits EOS, its stop rule
says its text is finished, or it reaches ``max_new_tokens``. Greedy decoding is prefix-consistent,
so each text equals what one-at-a-time ``model.generate`` gives for that prompt (checked by
``tests/parity/test_generate.py`` and ``benchmarks/bench_generate.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.extract.batching import plan_batches as extract_batches
from symbolscope.errors import UserError, get_logger

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

log = get_logger(__name__)
StopRule = Callable[[str], bool]


@dataclass(frozen=True)
class Generation:
    """One generated continuation: its text (special tokens kept out), token ids and why it ended
    (``eos``, ``stop`` = the stop rule, ``length``)."""

    text: str
    token_ids: tuple[int, ...]
    reason: str


def eos_ids(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> frozenset[int]:
    """Every token id that ends a generation: the tokenizer's EOS and the model's generation EOS."""
    ids: set[int] = set()
    for source in (tokenizer.eos_token_id, getattr(model.generation_config, "eos_token_id", None)):
        if isinstance(source, int):
            ids.add(source)
        elif isinstance(source, list | tuple):
            ids.update(int(i) for i in source)
    return frozenset(ids)


def plan_batches(lengths: Sequence[int], max_new_tokens: int, batch_tokens: int) -> list[list[int]]:
    """Indices grouped into batches, longest prompts first, each with ``rows × (longest + new)``
    at most ``batch_tokens`` (a prompt too long for the budget alone gets a batch of its own)."""
    return extract_batches([n + max_new_tokens for n in lengths], batch_tokens, longest_first=True)


def _left_pad(encoded: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(input_ids [n, L], attention_mask [n, L])`` left-padded to the longest prompt."""
    import torch

    width = max(len(e) for e in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for row, e in enumerate(encoded):
        ids[row, width - len(e) :] = torch.tensor(list(e), dtype=torch.long)
        mask[row, width - len(e) :] = 1
    return ids, mask


def _cache_kwarg(model: PreTrainedModel) -> str:
    """The forward argument that takes the KV cache (``cache`` in transformers 5, before it
    ``past_key_values``)."""
    import inspect

    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def _decode_batch(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    encoded: Sequence[Sequence[int]],
    stops: Sequence[StopRule | None],
    max_new_tokens: int,
) -> list[Generation]:
    """Greedy-decode one batch (see the module docstring)."""
    import torch
    from transformers import DynamicCache

    ends = eos_ids(model, tokenizer)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else next(iter(ends), 0)
    ids, mask = _left_pad(encoded, pad)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    cache = DynamicCache(config=model.config)
    kv = {_cache_kwarg(model): cache}
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True,
                logits_to_keep=1, **kv)  # fmt: skip
    logits, next_pos = out.logits[:, -1], positions[:, -1] + 1
    alive = list(range(len(encoded)))
    made: list[list[int]] = [[] for _ in encoded]
    reason = ["length"] * len(encoded)
    for _ in range(max_new_tokens):
        tokens = logits.argmax(-1)
        keep: list[int] = []
        for row, i in enumerate(alive):
            token = int(tokens[row])
            if token in ends:
                reason[i] = "eos"
                continue
            made[i].append(token)
            stop = stops[i]
            if stop is not None and stop(tokenizer.decode(made[i], skip_special_tokens=True)):
                reason[i] = "stop"
                continue
            if len(made[i]) < max_new_tokens:
                keep.append(row)
        if not keep:
            break
        if len(keep) < len(alive):
            index = torch.tensor(keep, dtype=torch.long)
            cache.batch_select_indices(index)
            mask, tokens, next_pos = mask[index], tokens[index], next_pos[index]
            alive = [alive[r] for r in keep]
        mask = torch.cat([mask, mask.new_ones((len(alive), 1))], dim=1)
        out = model(input_ids=tokens[:, None], attention_mask=mask, position_ids=next_pos[:, None],
                    use_cache=True, **kv)  # fmt: skip
        logits, next_pos = out.logits[:, -1], next_pos + 1
    return [
        Generation(tokenizer.decode(m, skip_special_tokens=True), tuple(m), r)
        for m, r in zip(made, reason, strict=True)
    ]


def generate(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    *,
    stops: Sequence[StopRule | None] | None = None,
    max_new_tokens: int = 160,
    batch_tokens: int = 8192,
    progress: bool = False,
    desc: str = "generate",
) -> list[Generation]:
    """Greedy continuations of ``prompts`` (texts rendered with their special tokens: tokenized
    without adding any), one :class:`Generation` per prompt in the order given."""
    import torch
    from tqdm.auto import tqdm

    if max_new_tokens < 1 or batch_tokens < 1:
        raise UserError("max_new_tokens and batch_tokens must be >= 1")
    stops = list(stops) if stops is not None else [None] * len(prompts)
    if len(stops) != len(prompts):
        raise ValueError("one stop rule per prompt")
    encoded = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit and any(len(e) + max_new_tokens > limit for e in encoded):
        log.warning("prompts longer than %d tokens are cut from the left", limit - max_new_tokens)
        encoded = [e[-(limit - max_new_tokens) :] for e in encoded]
    results: list[Generation | None] = [None] * len(prompts)
    bar = tqdm(total=len(prompts), desc=desc, unit="sample", disable=not progress, leave=False)
    with torch.inference_mode():
        for batch in plan_batches([len(e) for e in encoded], max_new_tokens, batch_tokens):
            outs = _decode_batch(model, tokenizer, [encoded[i] for i in batch],
                                 [stops[i] for i in batch], max_new_tokens)  # fmt: skip
            for i, g in zip(batch, outs, strict=True):
                results[i] = g
            bar.update(len(batch))
    bar.close()
    return [g for g in results if g is not None]
