"""Which tokens each symbol of a sample's output pools: the symbol side of a forward pass.

The family's lexer (:meth:`symbolcollection.family.Family.symbols`) splits the output into symbols
with character spans; the tokenizer's offsets place every token in the rendered text. A token
belongs to the symbol in which its first *non-whitespace* character lies (tokenizers such as
SmolLM2's keep a leading space inside the token: ``" AND"`` is the token of ``AND``); a token
that is whitespace only belongs to no symbol. A symbol left with no token of its own (its
characters share a token that starts in the symbol before it, e.g. ``))`` as one token) pools the
token in which its first character lies and is marked ``shared``. The rule is
:data:`analysis.symbolstore.SYMBOL_TOKEN_RULE`, recorded in every symbol store.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from symbolcollection import registry
from symbolcollection.chat import Encoded
from symbolcollection.concepts import concept_of
from symbolcollection.family import LexError, Symbol
from symbolcollection.schema import Sample


@dataclass(frozen=True)
class SymbolSpan:
    """One symbol occurrence and the token positions (indices into ``input_ids``) it pools."""

    symbol: Symbol
    concept: str | None
    positions: tuple[int, ...]
    shared: bool


def _first_visible(text: str, start: int, end: int) -> int | None:
    """The offset of the first non-whitespace character of ``text[start:end]``, or None."""
    for c in range(start, end):
        if not text[c].isspace():
            return c
    return None


def _owner(starts: list[int], symbols: list[Symbol], char: int) -> int | None:
    """Index of the symbol whose span holds output character ``char``, or None (trivia)."""
    k = bisect.bisect_right(starts, char) - 1
    return k if k >= 0 and char < symbols[k].end else None


def assign_tokens(enc: Encoded, symbols: list[Symbol]) -> list[tuple[tuple[int, ...], bool]]:
    """Per symbol: ``(token positions, shared)`` by the rule of the module docstring.

    ``enc`` must carry offsets and the rendered text; symbol spans are offsets in the output.
    """
    base = enc.symbol_chars[0]
    starts = [s.start for s in symbols]
    own: list[list[int]] = [[] for _ in symbols]
    lo, hi = enc.symbol_tokens
    for i in range(lo, hi):
        a, b = enc.offsets[i]
        c = _first_visible(enc.text, a, b)
        k = None if c is None else _owner(starts, symbols, c - base)
        if k is not None:
            own[k].append(i)
    out: list[tuple[tuple[int, ...], bool]] = []
    for sym, toks in zip(symbols, own, strict=True):
        if toks:
            out.append((tuple(toks), False))
            continue
        first = base + sym.start
        holder = next(i for i in range(lo, hi) if enc.offsets[i][0] <= first < enc.offsets[i][1])
        out.append(((holder,), True))
    return out


def symbol_spans(sample: Sample, enc: Encoded) -> list[SymbolSpan]:
    """The symbols of ``sample``'s output with their token positions in ``enc``.

    Raises :class:`LexError` (one line, naming the family) when the output does not lex or its
    family has no lexer; the caller skips and counts the sample.
    """
    family = registry.find(sample.family)
    if family is None:
        raise LexError(f"'{sample.family}' is not a registered family, so it has no lexer")
    symbols = family.symbols(sample.output)
    if not symbols:
        raise LexError(f"{sample.family}: the output has no symbols")
    pooled = assign_tokens(enc, symbols)
    return [
        SymbolSpan(sym, concept_of(sample.family, sym.text), pos, shared)
        for sym, (pos, shared) in zip(symbols, pooled, strict=True)
    ]
