"""Batched greedy decoding with a KV cache, left padding, a token budget and a stop rule per
sample, with continuous batching.

Prompts wait in a queue, shortest first. A group of them is prefilled (in sub-groups of similar
length, left-padded, position ids from the attention mask, logits only for the last position) and
joins the rows being decoded:
its KV cache is left-padded to the batch's width and concatenated, so every row keeps its own
positions and mask. The batch then decodes one token per step from the cache; a row leaves (and
its cache with it) as soon as it emits EOS, its stop rule says its text is finished, or it reaches
``max_new_tokens``, and the freed room is refilled from the queue at the next step, as long as
``rows × (cache width + max_new_tokens)`` stays within ``batch_tokens``. Cache columns that no
remaining row attends to are dropped. Greedy decoding is prefix-consistent and every row sees only
its own tokens, so each text equals what one-at-a-time ``model.generate`` gives for that prompt
(checked by ``tests/parity/test_generate.py`` and ``benchmarks/bench_generate.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.extract.batching import plan_batches
from lm.kvcache import cache_argument
from symbolscope.errors import UserError, get_logger

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

log = get_logger(__name__)
StopRule = Callable[[str], bool]
#: Padded tokens per prefill forward pass: prompts of similar length are prefilled together.
PREFILL_TOKENS = 1024


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


class _Active:
    """The rows being decoded: one KV cache (left-padded), their attention mask [r, L], next
    positions [r], last logits [r, V], and per row its prompt index and tokens so far."""

    def __init__(self, model: PreTrainedModel, pad: int) -> None:
        self.model, self.pad, self.kv_name = model, pad, cache_argument(model)
        self.cache: Any = None
        self.mask: Any = None
        self.next_pos: Any = None
        self.logits: Any = None
        self.rows: list[int] = []

    def width(self) -> int:
        """The cache length every row is padded to."""
        return 0 if self.mask is None else int(self.mask.shape[1])

    def admit(self, rows: list[int], encoded: Sequence[Sequence[int]]) -> None:
        """Prefill prompts ``rows`` and join them to the batch. They are prefilled in groups of
        similar length (at most ``PREFILL_TOKENS`` padded tokens each), so that one long prompt
        does not pad every short one: padding costs as much compute as real tokens."""
        lengths = [len(encoded[i]) for i in rows]
        for group in plan_batches(lengths, PREFILL_TOKENS):
            self._join([rows[j] for j in group], encoded)

    def _join(self, rows: list[int], encoded: Sequence[Sequence[int]]) -> None:
        """Prefill ``rows`` (left-padded to their longest) and merge their cache into the batch's."""
        import torch
        from transformers import DynamicCache

        ids, mask = _left_pad([encoded[i] for i in rows], self.pad)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        cache = DynamicCache(config=self.model.config)
        out = self.model(
            input_ids=ids,
            attention_mask=mask,
            position_ids=positions,
            use_cache=True,
            logits_to_keep=1,
            **{self.kv_name: cache},
        )
        logits, next_pos = out.logits[:, -1], positions[:, -1] + 1
        if self.cache is None:
            self.cache, self.mask, self.next_pos, self.logits, self.rows = (
                cache,
                mask,
                next_pos,
                logits,
                list(rows),
            )
            return
        width = max(self.width(), int(mask.shape[1]))
        for old, new in zip(self.cache.layers, cache.layers, strict=True):
            old.keys = torch.cat([_pad_left(old.keys, width, 2), _pad_left(new.keys, width, 2)])
            old.values = torch.cat([_pad_left(old.values, width, 2), _pad_left(new.values, width, 2)])
        self.mask = torch.cat([_pad_left(self.mask, width, 1), _pad_left(mask, width, 1)])
        self.next_pos = torch.cat([self.next_pos, next_pos])
        self.logits = torch.cat([self.logits, logits])
        self.rows += rows

    def keep(self, keep: list[int]) -> None:
        """Keep only the rows at positions ``keep``; drop cache columns no kept row attends to."""
        import torch

        index = torch.tensor(keep, dtype=torch.long)
        self.cache.batch_select_indices(index)
        self.mask, self.next_pos, self.logits = self.mask[index], self.next_pos[index], self.logits[index]
        self.rows = [self.rows[r] for r in keep]
        unused = int((self.mask.sum(0) == 0).long().cumprod(0).sum())  # leading all-padding columns
        if unused:
            for layer in self.cache.layers:
                layer.keys, layer.values = layer.keys[:, :, unused:], layer.values[:, :, unused:]
            self.mask = self.mask[:, unused:]

    def step(self, tokens: torch.Tensor) -> None:
        """Feed each row its next token ``tokens`` [r]; the new logits replace the old."""
        import torch

        self.mask = torch.cat([self.mask, self.mask.new_ones((len(self.rows), 1))], dim=1)
        out = self.model(
            input_ids=tokens[:, None],
            attention_mask=self.mask,
            position_ids=self.next_pos[:, None],
            use_cache=True,
            **{self.kv_name: self.cache},
        )
        self.logits, self.next_pos = out.logits[:, -1], self.next_pos + 1


def _pad_left(t: torch.Tensor, width: int, dim: int) -> torch.Tensor:
    """``t`` left-padded with zeros along ``dim`` to ``width``."""
    import torch

    extra = width - t.shape[dim]
    if extra <= 0:
        return t
    shape = list(t.shape)
    shape[dim] = extra
    return torch.cat([t.new_zeros(shape), t], dim=dim)


def _decode_all(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    encoded: Sequence[Sequence[int]],
    stops: Sequence[StopRule | None],
    max_new_tokens: int,
    batch_tokens: int,
    done: Callable[[int, Generation], None],
) -> None:
    """Greedy-decode every prompt with continuous batching (see the module docstring); ``done(i,
    generation)`` is called as each prompt finishes."""
    ends = eos_ids(model, tokenizer)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else next(iter(ends), 0)
    queue = sorted(range(len(encoded)), key=lambda i: (len(encoded[i]), i))  # shortest first
    active = _Active(model, pad)
    made: dict[int, list[int]] = {}
    while queue or active.rows:
        group = _next_group(queue, encoded, active, max_new_tokens, batch_tokens)
        if group:
            active.admit(group, encoded)
            made.update({i: [] for i in group})
        tokens = active.logits.argmax(-1)
        keep: list[int] = []
        for row, i in enumerate(active.rows):
            token, reason = int(tokens[row]), ""
            if token in ends:
                reason = "eos"
            else:
                made[i].append(token)
                stop = stops[i]
                if stop is not None and stop(tokenizer.decode(made[i], skip_special_tokens=True)):
                    reason = "stop"
                elif len(made[i]) >= max_new_tokens:
                    reason = "length"
            if reason:
                done(
                    i, Generation(tokenizer.decode(made[i], skip_special_tokens=True), tuple(made[i]), reason)
                )
            else:
                keep.append(row)
        if not keep:
            active = _Active(model, pad)
            continue
        if len(keep) < len(active.rows):
            active.keep(keep)
            tokens = tokens[keep]
        active.step(tokens)


def _next_group(
    queue: list[int],
    encoded: Sequence[Sequence[int]],
    active: _Active,
    max_new_tokens: int,
    batch_tokens: int,
) -> list[int]:
    """Prompts taken from the front of ``queue`` while the batch stays within ``batch_tokens``
    (rows × (cache width + new tokens)); at least one when nothing is being decoded."""
    group: list[int] = []
    width = active.width()
    while queue:
        cand = max(width, len(encoded[queue[0]]))
        rows = len(active.rows) + len(group) + 1
        if rows * (cand + max_new_tokens) > batch_tokens and (active.rows or group):
            break
        width = cand
        group.append(queue.pop(0))
    return group


def generate(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    *,
    stops: Sequence[StopRule | None] | None = None,
    max_new_tokens: int,
    batch_tokens: int,
    progress: bool = False,
    desc: str = "generate",
) -> list[Generation]:
    """Greedy continuations of ``prompts`` (texts rendered with their special tokens: tokenized
    without adding any), one :class:`Generation` per prompt in the order given.

    ``max_new_tokens`` and ``batch_tokens`` have no defaults here: the caller's config
    (:class:`analysis.evaluate.Config`, :class:`analysis.evaluate.general.GeneralConfig`)
    holds them, so that a library call and the CLI cannot disagree."""
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

    def done(i: int, g: Generation) -> None:
        results[i] = g
        bar.update(1)

    with torch.inference_mode():
        _decode_all(model, tokenizer, encoded, stops, max_new_tokens, batch_tokens, done)
    bar.close()
    return [g for g in results if g is not None]
