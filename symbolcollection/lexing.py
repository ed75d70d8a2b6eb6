"""Splitting a family's output into symbols: what every family's lexer shares.

A lexer maps an output ``text`` to its symbols (:class:`~symbolcollection.family.Symbol`), each with a
normalised ``text``, a class (keyword, operator, identifier, literal, punctuation) and a character
span ``[start, end)``; ``text[start:end]`` is the symbol as written. Every lexer of the suite keeps
one guarantee: the spans are in order, non-overlapping and inside the text, and every character
outside them is *trivia* (whitespace, and comments where the language has them), so every other
character belongs to exactly one symbol. :func:`assemble` enforces it for lexers built on a
language's own tokeniser; :class:`RegexLexer` keeps it by construction.

Two kinds of lexer are built here:

- :class:`RegexLexer`: a table of :class:`Pattern` rows (class, regex, normaliser); at each position
  trivia is skipped, then the longest match of any row wins (ties go to the earlier row, so a
  keyword row before the identifier row makes ``SELECT`` a keyword and ``SELECTED`` an identifier).
- :func:`lark_lexer`: the terminals of a ``lark`` grammar (the one a checker parses with), in
  source order, classified by terminal name.

A lexer raises :class:`LexError` (or its tokeniser's own error) on an output it cannot split;
:meth:`Family.symbols` reports every such failure as one :class:`LexError`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from symbolcollection.family import LexError, Symbol, SymbolClass

__all__ = [
    "WHITESPACE",
    "LexError",
    "Pattern",
    "RegexLexer",
    "Symbol",
    "SymbolClass",
    "assemble",
    "collapse_upper",
    "lark_lexer",
    "offsets",
    "words",
]

#: The default trivia: whitespace runs.
WHITESPACE = r"\s+"
#: A normaliser: the symbol as written -> its normalised text.
Normalise = Callable[[str], str]


def collapse_upper(text: str) -> str:
    """Upper-cased, inner whitespace runs collapsed to one space (``group  by`` -> ``GROUP BY``)."""
    return " ".join(text.upper().split())


def words(*names: str, ignore_case: bool = False) -> str:
    """A regex matching any of ``names`` as a whole word (longest first, not inside a longer name)."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return f"{'(?i:' if ignore_case else '(?:'}{alternatives})(?![\\w])"


@dataclass(frozen=True)
class Pattern:
    """One row of a lexer table: text matching ``regex`` is a symbol of class ``cls``, its
    normalised text ``norm(match)`` (as written when ``norm`` is ``None``). With ``inner``, the match
    ``text[start:end]`` is split by ``inner(text, start, end)`` instead (e.g. a bracketed set with
    its own members; :meth:`RegexLexer.lex` has that signature)."""

    cls: SymbolClass
    regex: str
    norm: Normalise | None = None
    inner: Callable[[str, int, int], list[Symbol]] | None = None


@dataclass(frozen=True)
class RegexLexer:
    """A longest-match lexer from a table of :class:`Pattern` rows; ``skip`` matches trivia.

    Call it on a text to get its symbols; raises :class:`LexError` naming the first offset where
    no row matches (or a row would match the empty string).
    """

    patterns: tuple[Pattern, ...]
    skip: str = WHITESPACE

    def __call__(self, text: str) -> list[Symbol]:
        """The symbols of ``text`` (see :meth:`lex`)."""
        return self.lex(text)

    @functools.cached_property
    def _compiled(self) -> tuple[tuple[re.Pattern[str], Pattern], ...]:
        return tuple((re.compile(p.regex), p) for p in self.patterns)

    @functools.cached_property
    def _skip(self) -> re.Pattern[str]:
        return re.compile(self.skip)

    def lex(self, text: str, start: int = 0, end: int | None = None) -> list[Symbol]:
        """The symbols of ``text[start:end]``, with spans in ``text``'s offsets."""
        end = len(text) if end is None else end
        out: list[Symbol] = []
        pos = self._skip_from(text, start, end)
        while pos < end:
            best: tuple[int, Pattern] | None = None
            for rx, pattern in self._compiled:
                m = rx.match(text, pos, end)
                if m and m.end() > pos and (best is None or m.end() > best[0]):
                    best = (m.end(), pattern)
            if best is None:
                raise LexError(f"no symbol at offset {pos}: {text[pos : pos + 12]!r}")
            stop, pattern = best
            if pattern.inner is not None:
                out.extend(pattern.inner(text, pos, stop))
            else:
                surface = text[pos:stop]
                norm = pattern.norm(surface) if pattern.norm else surface
                out.append(Symbol(norm, pattern.cls, pos, stop))
            pos = self._skip_from(text, stop, end)
        return out

    def _skip_from(self, text: str, pos: int, end: int) -> int:
        while pos < end:
            m = self._skip.match(text, pos, end)
            if not m or m.end() == pos:
                return pos
            pos = m.end()
        return pos


def offsets(text: str) -> list[int]:
    """The offset in ``text`` of each line's first character (line 1 at index 0), for tokenisers
    that report (line, column) positions; lines end at ``\\n``."""
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return starts


def assemble(text: str, symbols: Iterable[Symbol], skip: str = WHITESPACE) -> list[Symbol]:
    """``symbols`` as a list after checking the guarantee of this module against ``text``.

    Raises :class:`LexError` if a span is empty, outside the text or overlaps the one before, or if
    anything between spans is not trivia (``skip``: e.g. a character the tokeniser dropped).
    """
    trivia = re.compile(f"(?:{skip})*")
    out = list(symbols)
    pos = 0
    for sym in out:
        if not pos <= sym.start < sym.end <= len(text):
            where = f"{sym.start}-{sym.end}"
            raise LexError(f"symbol {sym.text!r} at {where} is empty, overlaps another or leaves the text")
        _trivia_only(text, pos, sym.start, trivia)
        pos = sym.end
    _trivia_only(text, pos, len(text), trivia)
    return out


def _trivia_only(text: str, start: int, end: int, trivia: re.Pattern[str]) -> None:
    m = trivia.match(text, start, end)
    if m is None or m.end() != end:
        bad = start if m is None else m.end()
        raise LexError(f"no symbol covers offset {bad}: {text[bad : bad + 12]!r}")


def lark_lexer(
    grammar: str, classify: Callable[[str, str], SymbolClass], norm: Normalise | None = None
) -> Callable[[str], list[Symbol]]:
    """A lexer from the terminals of a ``lark`` ``grammar`` (parsed LALR, as the checkers do).

    ``classify(name, text)`` gives a terminal's class from its name (``VAR``; an anonymous one by
    lark's name, e.g. ``LPAR``) and text; ``norm(text)`` its normalised text. The output must parse:
    an LALR parser's contextual lexer needs the parser state (``e`` is a type in one place and a
    name in another), so a malformed output raises the parser's error.
    """

    def lex(text: str) -> list[Symbol]:
        tree = _lark(grammar).parse(text)
        tokens = sorted(tree.scan_values(_is_token), key=lambda t: t.start_pos)
        out = [
            Symbol(norm(t) if norm else str(t), classify(t.type, str(t)), t.start_pos, t.end_pos)
            for t in tokens
        ]
        return assemble(text, out)

    return lex


@functools.cache
def _lark(grammar: str) -> Any:
    from lark import Lark

    return Lark(grammar, parser="lalr", keep_all_tokens=True, propagate_positions=False)


def _is_token(value: object) -> bool:
    from lark import Token

    return isinstance(value, Token)
