"""The generic lexing module: the longest-match table lexer (ties to the earlier row, trivia
skipped, a nested lexer for a match), the coverage check every tokeniser-based lexer passes
through, the lark-grammar lexer and line offsets."""

from __future__ import annotations

import pytest

from symbolcollection import lexing
from symbolcollection.family import LexError, Symbol


def spans(text: str, symbols: list[Symbol]) -> list[tuple[str, str, int, int]]:
    return [(s.text, s.cls, s.start, s.end) for s in symbols]


TABLE = lexing.RegexLexer(
    (
        lexing.Pattern("keyword", lexing.words("select", "from", ignore_case=True), str.upper),
        lexing.Pattern("identifier", r"[A-Za-z_]\w*"),
        lexing.Pattern("operator", r"<=|<|="),
        lexing.Pattern("punctuation", r","),
    ),
    skip=r"\s+|--[^\n]*",
)


def test_regex_lexer_longest_match_and_earlier_row_on_ties() -> None:
    text = "Select selected,fromage <= x -- note\n FROM t"
    assert spans(text, TABLE(text)) == [
        ("SELECT", "keyword", 0, 6),
        ("selected", "identifier", 7, 15),
        (",", "punctuation", 15, 16),
        ("fromage", "identifier", 16, 23),
        ("<=", "operator", 24, 26),
        ("x", "identifier", 27, 28),
        ("FROM", "keyword", 38, 42),
        ("t", "identifier", 43, 44),
    ]
    assert TABLE("  ") == []


def test_regex_lexer_names_the_offset_nothing_matches() -> None:
    with pytest.raises(LexError, match=r"no symbol at offset 9: '\?\? t'"):
        TABLE("select a ?? t")


def test_regex_lexer_inner_splits_a_match() -> None:
    def halves(text: str, start: int, end: int) -> list[Symbol]:
        mid = (start + end) // 2
        return [Symbol(text[start:mid], "literal", start, mid), Symbol(text[mid:end], "literal", mid, end)]

    lexer = lexing.RegexLexer((lexing.Pattern("literal", r"\d+", inner=halves),))
    assert spans("1234 56", lexer("1234 56")) == [
        ("12", "literal", 0, 2),
        ("34", "literal", 2, 4),
        ("5", "literal", 5, 6),
        ("6", "literal", 6, 7),
    ]


def test_assemble_rejects_overlaps_gaps_and_strays() -> None:
    text = "ab cd"
    ok = [Symbol("ab", "identifier", 0, 2), Symbol("cd", "identifier", 3, 5)]
    assert lexing.assemble(text, ok) == ok
    with pytest.raises(LexError, match="overlaps"):
        lexing.assemble(text, [Symbol("ab", "identifier", 0, 2), Symbol("b", "identifier", 1, 2)])
    with pytest.raises(LexError, match="overlaps"):
        lexing.assemble(text, [Symbol("", "identifier", 2, 2)])
    with pytest.raises(LexError, match="leaves the text"):
        lexing.assemble(text, [Symbol("cd!", "identifier", 3, 6)])
    with pytest.raises(LexError, match="no symbol covers offset 4: 'd'"):
        lexing.assemble(text, [Symbol("ab", "identifier", 0, 2), Symbol("c", "identifier", 3, 4)])
    with pytest.raises(LexError, match="no symbol covers offset 0"):
        lexing.assemble("# c\nab", [Symbol("ab", "identifier", 4, 6)])
    assert lexing.assemble("# c\nab", [Symbol("ab", "identifier", 4, 6)], skip=r"\s+|#[^\n]*")


def test_lark_lexer_classifies_terminals_in_source_order() -> None:
    grammar = r"""
    ?start: sum
    ?sum: NUMBER | sum "+" NUMBER
    %import common.NUMBER
    %import common.WS
    %ignore WS
    """
    lexer = lexing.lark_lexer(grammar, lambda name, text: "literal" if name == "NUMBER" else "operator")
    assert spans("1 + 22+3", lexer("1 + 22+3")) == [
        ("1", "literal", 0, 1),
        ("+", "operator", 2, 3),
        ("22", "literal", 4, 6),
        ("+", "operator", 6, 7),
        ("3", "literal", 7, 8),
    ]


def test_offsets_of_lines() -> None:
    assert lexing.offsets("ab\ncd\n\ne") == [0, 3, 6, 7]
