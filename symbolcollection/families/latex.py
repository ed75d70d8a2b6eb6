"""LaTeX formulas, parsed by the collection's LaTeX checker."""

from __future__ import annotations

from symbolcollection import depth, lexing, normalise
from symbolcollection.checkers.structured import check_latex
from symbolcollection.family import Family, Rule, Task
from symbolcollection.tasks import mathx
from symbolcollection.tasks.base import GEN

_COMMANDS = "frac|int|sum|sqrt|begin|lim|prod|binom|left|log|sin|cos|tan|cdot|alpha|beta|theta|pi"


def group_depth(text: str) -> int:
    """Nesting of ``{}`` groups."""
    return depth.bracket_depth(text, "{}")


_LEXER = lexing.RegexLexer(
    (
        lexing.Pattern("keyword", r"\\[A-Za-z]+"),  # control word: \frac, \sin, \left
        lexing.Pattern("punctuation", r"\\[^A-Za-z]"),  # control symbol: \, \{ \\
        lexing.Pattern("punctuation", r"[{}\[\]()|,;.&~]"),
        lexing.Pattern("operator", r"[\^_+\-*/=<>!':]"),
        lexing.Pattern("literal", r"\d+(?:\.\d+)?"),
        lexing.Pattern("identifier", r"[A-Za-z]"),  # one letter, one variable (xy is x times y)
    ),
    skip=r"\s+|%[^\n]*",
)


def lex_latex(text: str) -> list[lexing.Symbol]:
    """LaTeX math symbols: control words keywords, control symbols, braces, brackets and
    delimiters punctuation, ``^`` ``_`` and arithmetic and relation characters operators, numbers
    literals, each letter an identifier; ``%`` comments are trivia."""
    return _LEXER(text)


FAMILY = Family(
    name="latex",
    languages=mathx.TEX_LANGS,
    tasks=(Task("nl2latex-formula", "formula phrase generator", GEN, mathx.gen_latex, 280, slow=True),),
    check=check_latex,
    exact=normalise.no_space,
    exact_rule="all whitespace removed",
    depth=group_depth,
    one_line=True,
    infer=(Rule(80, rf"\\({_COMMANDS})(?![A-Za-z])|\^\{{"),),
    lex=lex_latex,
)
