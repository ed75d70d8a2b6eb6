"""Which token positions of a sample are pooled: the ``symbol``, ``instruction`` or ``last`` span.

Each sample is rendered through the model's chat template and tokenized by
:func:`symbolcollection.chat.encode_sample` (the same text the trainer trains on), which maps the
character spans of the instruction and of the symbolic output to tokens with the tokenizer's
offsets. Rule (stated there, used here): *a token belongs to the span in which its first
character lies*, so a token straddling a boundary goes to the side where it starts.

- ``symbol``: the tokens of the sample's symbolic output inside the assistant turn;
- ``instruction``: the tokens of the user's request (instruction + input);
- ``last``: the last real token of the full rendered conversation (padding never counts).

BOS tokens (``tokenizer.bos_token_id``, e.g. SmolLM2's ``<|im_start|>`` that opens every turn)
are removed from every span; padding is never part of a span because spans are computed on the
unpadded sequence. A sample whose span has no tokens is skipped with a reason, never pooled.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.extract.symbols import SymbolSpan, symbol_spans
from analysis.store import SPANS
from symbolcollection.chat import encode_sample
from symbolcollection.family import LexError
from symbolcollection.schema import Sample

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


@dataclass(frozen=True)
class Item:
    """One sample ready for the model: its ids and the token positions its vector pools over.

    ``index`` is the sample's position in the list it came from; ``positions`` are ascending
    indices into ``input_ids`` (never BOS, never beyond the real length). With symbols asked for,
    ``symbols`` holds the output's symbols and the positions each pools, or ``symbol_error`` says
    why the output did not lex (the sample keeps its vector; its symbols are skipped and counted).
    """

    index: int
    sample_id: str
    input_ids: tuple[int, ...]
    positions: tuple[int, ...]
    symbols: tuple[SymbolSpan, ...] = ()
    symbol_error: str | None = None

    @property
    def needed(self) -> int:
        """Tokens the model must see: up to the last pooled position (later tokens cannot change
        earlier states in a causal model, so they are not computed)."""
        return max([self.positions[-1], *(s.positions[-1] for s in self.symbols)]) + 1

    @property
    def first_pooled(self) -> int:
        """The first position the sample pools (its span's or any symbol's): a prefix computed
        once for many samples stops before it (:mod:`analysis.extract.prefix`)."""
        return min([self.positions[0], *(s.positions[0] for s in self.symbols)])


@dataclass(frozen=True)
class Skipped:
    """A sample that yields no vector, and why (``empty span`` or ``too long``)."""

    index: int
    sample_id: str
    reason: str


def span_positions(ids: list[int], token_span: tuple[int, int], bos_id: int | None) -> tuple[int, ...]:
    """Positions ``[start, end)`` of ``token_span`` minus any BOS token (may be empty)."""
    start, end = token_span
    return tuple(i for i in range(start, min(end, len(ids))) if ids[i] != bos_id)


def prepare(
    tokenizer: PreTrainedTokenizerBase,
    sample: Sample,
    span: str,
    index: int = 0,
    max_length: int | None = None,
    symbols: bool = False,
) -> Item | Skipped:
    """Tokenize ``sample`` and find the positions of ``span`` (see the module docstring); with
    ``symbols`` also those of each symbol of the output (:mod:`analysis.extract.symbols`)."""
    if span not in SPANS:
        raise ValueError(f"unknown span {span!r}; use one of {SPANS}")
    enc = encode_sample(tokenizer, sample)
    ids = list(enc.input_ids)
    if max_length is not None and len(ids) > max_length:
        return Skipped(index, sample.id, f"too long ({len(ids)} tokens > {max_length})")
    bos = getattr(tokenizer, "bos_token_id", None)
    if span == "symbol":
        pos = span_positions(ids, enc.symbol_tokens, bos)
    elif span == "instruction":
        pos = span_positions(ids, enc.instruction_tokens, bos)
    else:
        pos = span_positions(ids, (len(ids) - 1, len(ids)), bos)
    if not pos:
        return Skipped(index, sample.id, "empty span")
    if not symbols:
        return Item(index, sample.id, tuple(ids), pos)
    try:
        return Item(index, sample.id, tuple(ids), pos, tuple(symbol_spans(sample, enc)))
    except LexError as err:
        return Item(index, sample.id, tuple(ids), pos, (), str(err))


def prepare_all(
    tokenizer: PreTrainedTokenizerBase,
    samples: Iterable[Sample],
    span: str,
    start: int = 0,
    max_length: int | None = None,
    symbols: bool = False,
) -> Iterator[Item | Skipped]:
    """:func:`prepare` over ``samples``, numbering them from ``start``."""
    for offset, sample in enumerate(samples):
        yield prepare(tokenizer, sample, span, start + offset, max_length, symbols)
