"""Render a sample through the model's own chat template, and map its parts to tokens.

Shared by the trainer (loss only on the response) and the extractor (pooling spans), so that
both see the same text. The user turn is the instruction (plus the input, after a blank line);
the assistant turn is the symbolic output.

Token rule, stated once: a token belongs to the character span in which its *first* character
lies; tokens with an empty offset range (added special tokens) belong to no span. Rendered
text is tokenized with ``add_special_tokens=False`` because the template writes its own
special tokens (BOS included, where the template has one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from symbolcollection.schema import Sample
from symbolscope.errors import UserError, get_logger

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

log = get_logger(__name__)
_WARNED_NO_OFFSETS: set[str] = set()


def warn_no_offsets(tokenizer: PreTrainedTokenizerBase) -> None:
    """Say once per tokenizer class that spans come from prefix tokenization (no offsets mapping)."""
    name = type(tokenizer).__name__
    if name not in _WARNED_NO_OFFSETS:
        _WARNED_NO_OFFSETS.add(name)
        log.warning(
            "tokenizer %s has no offsets mapping: spans are located by prefix tokenization instead "
            "(slower; exact unless merges cross span boundaries)",
            name,
        )


def has_offsets(tokenizer: PreTrainedTokenizerBase) -> bool:
    """Whether ``tokenizer`` gives offset mappings (warns once per tokenizer class if not)."""
    try:
        tokenizer("a b", add_special_tokens=False, return_offsets_mapping=True)
        return True
    except NotImplementedError:
        warn_no_offsets(tokenizer)
        return False


@dataclass(frozen=True)
class Rendered:
    """A sample rendered as chat text. Spans are ``[start, end)`` character offsets in ``text``."""

    text: str
    prompt_chars: int  # length of the prompt rendered with the generation prompt
    instruction_span: tuple[int, int]  # the user's request (instruction + input)
    symbol_span: tuple[int, int]  # the symbolic output inside the assistant turn


@dataclass(frozen=True)
class Encoded:
    """Token ids of a rendered sample and its spans as ``[start, end)`` token indices."""

    input_ids: list[int]
    response_start: int  # first token of the assistant turn (everything from here is trained on)
    instruction_tokens: tuple[int, int]
    symbol_tokens: tuple[int, int]
    #: ``[start, end)`` characters of each token in the rendered text (empty for special tokens)
    offsets: tuple[tuple[int, int], ...] = ()
    text: str = ""  # the rendered text
    symbol_chars: tuple[int, int] = (0, 0)  # the symbolic output's characters in ``text``


def user_content(sample: Sample) -> str:
    """The user turn: the instruction, then the input after a blank line when there is one."""
    return f"{sample.instruction}\n\n{sample.input}" if sample.input.strip() else sample.instruction


def render(tokenizer: PreTrainedTokenizerBase, sample: Sample) -> Rendered:
    """Render ``sample`` with ``tokenizer``'s chat template (prompt prefix and full conversation).

    Raises :class:`UserError` if the template has no chat template or renders the prompt so that
    it is not a prefix of the full conversation (the loss mask would be wrong).
    """
    if not getattr(tokenizer, "chat_template", None):
        raise UserError(f"tokenizer {getattr(tokenizer, 'name_or_path', '?')} has no chat template")
    user = user_content(sample)
    messages = [{"role": "user", "content": user}]
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(
        [*messages, {"role": "assistant", "content": sample.output}], tokenize=False
    )
    if not full.startswith(prompt):
        raise UserError(
            f"sample {sample.id}: the chat template does not render the prompt as a prefix of the "
            "conversation, so response tokens cannot be told apart"
        )
    u0 = prompt.rfind(user)
    s0 = full.find(sample.output, len(prompt))
    if u0 < 0 or s0 < 0:
        raise UserError(f"sample {sample.id}: the chat template altered the text of the turns (stripped?)")
    return Rendered(full, len(prompt), (u0, u0 + len(user)), (s0, s0 + len(sample.output)))


def _span_tokens(starts: list[int], empty: list[bool], span: tuple[int, int]) -> tuple[int, int]:
    idx = [i for i, s in enumerate(starts) if not empty[i] and span[0] <= s < span[1]]
    return (idx[0], idx[-1] + 1) if idx else (0, 0)


def _offsets(tokenizer: PreTrainedTokenizerBase, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    try:
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        return list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]
    except NotImplementedError:
        pass
    # Slow tokenizers have no offsets: recover them from prefix tokenizations (exact for BPE
    # tokenizers whose merges do not cross the prefix boundary).
    warn_no_offsets(tokenizer)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    offsets: list[tuple[int, int]] = []
    prev = 0
    for i in range(1, len(ids) + 1):
        piece = tokenizer.decode(ids[:i])
        end = min(len(piece), len(text))
        offsets.append((prev, end))
        prev = end
    return list(ids), offsets


def encode(tokenizer: PreTrainedTokenizerBase, rendered: Rendered) -> Encoded:
    """Tokenize rendered text and locate the response start and both spans in tokens."""
    ids, offsets = _offsets(tokenizer, rendered.text)
    starts = [o[0] for o in offsets]
    empty = [o[1] <= o[0] for o in offsets]
    response = next((i for i, s in enumerate(starts) if s >= rendered.prompt_chars), len(ids))
    return Encoded(
        input_ids=ids,
        response_start=response,
        instruction_tokens=_span_tokens(starts, empty, rendered.instruction_span),
        symbol_tokens=_span_tokens(starts, empty, rendered.symbol_span),
        offsets=tuple(offsets),
        text=rendered.text,
        symbol_chars=rendered.symbol_span,
    )


def encode_sample(tokenizer: PreTrainedTokenizerBase, sample: Sample) -> Encoded:
    """``encode(tokenizer, render(tokenizer, sample))``."""
    return encode(tokenizer, render(tokenizer, sample))
