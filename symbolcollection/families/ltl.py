"""Linear temporal logic formulas over the request's propositions."""

from __future__ import annotations

from symbolcollection import depth, lexing, normalise
from symbolcollection.checkers.logic import LTL_GRAMMAR, check_ltl
from symbolcollection.family import Family, Rule, Task
from symbolcollection.tasks import ltl
from symbolcollection.tasks.base import GEN


def _ltl_class(name: str, text: str) -> lexing.SymbolClass:
    if text in ("(", ")"):
        return "punctuation"
    return "operator" if name in ("TOP", "UOP") or not text[0].islower() else "identifier"


_LEXER = lexing.lark_lexer(LTL_GRAMMAR, _ltl_class)


def lex_ltl(text: str) -> list[lexing.Symbol]:
    """LTL symbols by the checker's ``lark`` grammar: temporal (``G`` ``F`` ``X`` ``U`` ``R``
    ``W``) and boolean (``!`` ``&`` ``|`` ``->``) operators, propositions identifiers, parentheses
    punctuation."""
    return _LEXER(text)


FAMILY = Family(
    name="ltl",
    languages=ltl.LANGS,
    tasks=(Task("nl2ltl-navigation", "navigation command templates", GEN, ltl.gen_ltl, 300),),
    check=check_ltl,
    exact=normalise.no_space,
    exact_rule="all whitespace removed",
    depth=depth.lark_depth("LTL_GRAMMAR"),
    one_line=True,
    infer=(
        Rule(120, r"^(?=.*(\b[GFX]\b|\bU\b))[a-z0-9_\s!&|()GFXURW\->]+$"),
        Rule(10, r"(?i)\b(LTL|linear temporal logic)\b", "instruction"),
    ),
    packages=("lark",),
    lex=lex_ltl,
)
