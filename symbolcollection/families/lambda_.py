"""Lambda-calculus logical forms in the GeoQuery style (the module is ``lambda_``: a keyword)."""

from __future__ import annotations

import random
import re

from symbolcollection import depth, lexing
from symbolcollection.checkers.logic import LAMBDA_GRAMMAR, check_lambda
from symbolcollection.family import Family, Rule, Task
from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks import geo
from symbolcollection.tasks.base import GEN


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The declared predicates renamed (a typed name ``p:t`` keeps its type suffix)."""
    from symbolcollection.declarations import declared_predicates

    taken: set[str] = set()
    mapping = {
        p: fresh_name(rng, "lower", taken) + p[p.index(":") :]
        if ":" in p
        else fresh_name(rng, "lower", taken)
        for p in declared_predicates(sample.input)
    }
    texts = (sample.instruction, sample.input, sample.output)
    return renamed(sample, *(rename_words(t, mapping, r"[\w:]") for t in texts))


def _lambda_class(name: str, text: str) -> lexing.SymbolClass:
    if name in ("LPAR", "RPAR"):
        return "punctuation"
    if name in ("LAMBDA", "BINDER", "TYPE") or text in ("and", "or", "not"):
        return "keyword"
    if re.fullmatch(r"\d+(?:\.\d+)?(?::[a-z]+)?", text):
        return "literal"
    return "identifier"


_LEXER = lexing.lark_lexer(LAMBDA_GRAMMAR, _lambda_class)


def lex_lambda(text: str) -> list[lexing.Symbol]:
    """GeoQuery lambda-calculus symbols by the checker's ``lark`` grammar: ``lambda``, binders
    (``count``, ``argmax``, ``exists`` ...), types and ``and`` ``or`` ``not`` keywords, variables,
    predicates and entities identifiers, numbers literals, parentheses punctuation."""
    return _LEXER(text)


FAMILY = Family(
    name="lambda",
    languages=geo.LANGS,
    tasks=(
        Task("nl2lambda-geoquery", "GeoQuery-style templates over US geography", GEN, geo.gen_geoquery, 300),
    ),
    check=check_lambda,
    evolve=evolve,
    depth=depth.lark_depth("LAMBDA_GRAMMAR"),
    one_line=True,
    infer=(Rule(40, r"\(lambda \$\d|\([a-z_]+:[a-z]\s"),),
    packages=("lark",),
    lex=lex_lambda,
)
