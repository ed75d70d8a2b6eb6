"""Lambda-calculus logical forms in the GeoQuery style (the module is ``lambda_``: a keyword).

The tasks ask questions about US geography (Zettlemoyer & Collins typed constants ``texas:s``)
and declare the predicates a logical form may use; the checker parses with a ``lark`` grammar,
checks that every variable is bound and every predicate declared. There is no execution match.
"""

from __future__ import annotations

import functools
import random
import re
from typing import Any

from symbolcollection import depth, lexing
from symbolcollection.declarations import declared_predicates
from symbolcollection.family import CheckFailed, Family, Rule, Task
from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, Draft, phrase, pick

# --- tasks ---------------------------------------------------------------------------------------

LANGS = ("a lambda-calculus logical form", "a GeoQuery logical form", "lambda calculus", "a logical form")
SOURCE = "generated:geoquery-templates"
STATES = ("alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut", "delaware",
          "florida", "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas", "kentucky",
          "louisiana", "maine", "maryland", "massachusetts", "michigan", "minnesota", "mississippi", "missouri",
          "montana", "nebraska", "nevada", "new_hampshire", "new_jersey", "new_mexico", "new_york",
          "north_carolina", "north_dakota", "ohio", "oklahoma", "oregon", "pennsylvania", "rhode_island",
          "south_carolina", "south_dakota", "tennessee", "texas", "utah", "vermont", "virginia", "washington",
          "west_virginia", "wisconsin", "wyoming")  # fmt: skip
RIVERS = ("mississippi", "missouri", "colorado", "ohio", "red", "arkansas", "rio_grande", "snake", "columbia",
          "tennessee", "platte", "potomac")  # fmt: skip
CITIES = (("austin", "tx"), ("dallas", "tx"), ("boston", "ma"), ("denver", "co"), ("seattle", "wa"),
          ("chicago", "il"), ("miami", "fl"), ("portland", "or"), ("atlanta", "ga"), ("phoenix", "az"),
          ("detroit", "mi"), ("omaha", "ne"), ("tucson", "az"), ("albany", "ny"), ("reno", "nv"))  # fmt: skip
SIGS = {"state:t": 1, "city:t": 1, "river:t": 1, "place:t": 1, "lake:t": 1, "capital:t": 1, "next_to:t": 2,
        "loc:t": 2, "population:i": 1, "area:i": 1, "elevation:i": 1, "len:i": 1}  # fmt: skip


def _nl(c: str) -> str:
    return c.replace("_", " ")


#: The question forms: (extra entity drawn after the form: None | "city" | "river", phrasings,
#: lambda-calculus template over {s} (state), {c}/{st} (city, its state) or {r} (river), predicates).
# fmt: off
_FORMS: tuple[tuple[str | None, tuple[str, ...], str, tuple[str, ...]], ...] = (
    (None, ("which states border {S}", "what states are next to {S}", "name the states adjacent to {S}"),
     "(lambda $0 e (and (state:t $0) (next_to:t $0 {s}:s)))", ("state:t", "next_to:t")),
    (None, ("what is the capital of {S}", "name the capital city of {S}", "which city is the capital of {S}"),
     "(lambda $0 e (and (capital:t $0) (loc:t $0 {s}:s)))", ("capital:t", "loc:t")),
    ("city", ("what is the population of {C}", "how many people live in {C}", "how big is {C} in population"),
     "(population:i {c}_{st}:c)", ("population:i",)),
    (None, ("how many rivers are in {S}", "count the rivers in {S}", "what is the number of rivers in {S}"),
     "(count $0 (and (river:t $0) (loc:t $0 {s}:s)))", ("river:t", "loc:t")),
    (None, ("what is the largest city in {S}", "which city in {S} has the most people", "biggest city of {S}"),
     "(argmax $0 (and (city:t $0) (loc:t $0 {s}:s)) (population:i $0))", ("city:t", "loc:t", "population:i")),
    (None, ("which rivers run through {S}", "what rivers flow through {S}", "list the rivers in {S}"),
     "(lambda $0 e (and (river:t $0) (loc:t $0 {s}:s)))", ("river:t", "loc:t")),
    (None, ("what is the highest point in {S}", "where is the highest place in {S}", "name the highest point of {S}"),
     "(argmax $0 (and (place:t $0) (loc:t $0 {s}:s)) (elevation:i $0))", ("place:t", "loc:t", "elevation:i")),
    (None, ("what is the area of {S}", "how large is {S}", "how many square kilometers is {S}"),
     "(area:i {s}:s)", ("area:i",)),
    ("river", ("which states does the {R} river run through", "what states does the {R} flow through",
               "through which states does the {R} river pass"),
     "(lambda $0 e (and (state:t $0) (loc:t {r}:r $0)))", ("state:t", "loc:t")),
    (None, ("what states border states that border {S}", "which states are next to a neighbour of {S}",
            "name the states bordering the states adjacent to {S}"),
     "(lambda $0 e (and (state:t $0) (exists $1 (and (state:t $1) (next_to:t $0 $1) (next_to:t $1 {s}:s)))))",
     ("state:t", "next_to:t")),
    (None, ("what is the smallest state bordering {S}", "which neighbour of {S} has the least area",
            "the smallest state next to {S}"),
     "(argmin $0 (and (state:t $0) (next_to:t $0 {s}:s)) (area:i $0))", ("state:t", "next_to:t", "area:i")),
    ("river", ("how long is the {R} river", "what is the length of the {R}", "give the length of the {R} river"),
     "(len:i {r}:r)", ("len:i",)),
)
# fmt: on


def _form(rng: random.Random) -> tuple[str, str, list[str]]:
    """One question, its logical form and the predicates it uses."""
    s = rng.choice(STATES)
    extra, phrasings, template, predicates = _FORMS[rng.randrange(len(_FORMS))]
    names: dict[str, str] = {"S": _nl(s)}
    values = {"s": s}
    if extra == "city":
        c, st = rng.choice(CITIES)
        names, values = {"C": c}, {"c": c, "st": st}
    elif extra == "river":
        r = rng.choice(RIVERS)
        names, values = {"R": _nl(r)}, {"r": r}
    return pick(rng, phrasings, **names), template.format(**values), list(predicates)


def gen_geoquery(rng: random.Random, n: int) -> list[Draft]:
    """GeoQuery-style questions with typed lambda-calculus logical forms."""
    out = []
    for _ in range(n):
        q, lf, used = _form(rng)
        extra = rng.sample([p for p in SIGS if p not in used], 2)
        preds = [*used, *extra]
        rng.shuffle(preds)
        args = {1: "(x)", 2: "(x, y)"}
        decl = "Predicates: " + ", ".join(p + args[SIGS[p]] for p in preds)
        out.append(
            phrase(rng, "nl2lambda-geoquery", "lambda", q[0].upper() + q[1:] + "?", LANGS, lf, SOURCE, decl)
        )
    return out


# --- checker -------------------------------------------------------------------------------------

LAMBDA_GRAMMAR = r"""
?start: term
?term: VAR -> var
     | SYM -> const
     | "(" "lambda" VAR TYPE term ")" -> lam
     | "(" BINDER VAR term+ ")" -> bind
     | "(" SYM term+ ")" -> app
BINDER: "count" | "argmax" | "argmin" | "exists" | "sum" | "the"
TYPE: /[eit]\b/
VAR: /\$\d+/
SYM: /(?!(lambda|count|argmax|argmin|exists|sum|the)\b)[a-z0-9_.]+(:[a-z]+)?/
%import common.WS
%ignore WS
"""


@functools.cache
def _parser(grammar: str) -> Any:
    from lark import Lark

    return Lark(grammar, parser="lalr")


def _check_binding(tree: Any, bound: frozenset[str]) -> None:
    from lark import Token, Tree

    if isinstance(tree, Token):
        return
    assert isinstance(tree, Tree)
    if tree.data == "var":
        if str(tree.children[0]) not in bound:
            raise CheckFailed(f"lambda: variable {tree.children[0]} is not bound")
        return
    if tree.data in ("lam", "bind"):
        var = str(tree.children[1] if tree.data == "bind" else tree.children[0])
        if var in bound:
            raise CheckFailed(f"lambda: variable {var} is bound twice")
        bound = bound | {var}
    for child in tree.children:
        _check_binding(child, bound)


def check_lambda(sample: Sample) -> None:
    """Parse with a ``lark`` grammar of GeoQuery-style lambda calculus; every variable must be
    bound by an enclosing ``lambda``/``count``/``argmax``/... ; declared predicates must match."""
    tree = _parser(LAMBDA_GRAMMAR).parse(sample.output)
    _check_binding(tree, frozenset())
    preds = declared_predicates(sample.input)
    if preds:
        for app in tree.find_data("app"):
            name = str(app.children[0])
            if name not in ("and", "or", "not", ">", "<", "=") and name not in preds:
                raise CheckFailed(f"lambda: predicate {name} is not declared")


# --- Symbol-Evol ---------------------------------------------------------------------------------


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The declared predicates renamed (a typed name ``p:t`` keeps its type suffix)."""
    taken: set[str] = set()
    mapping = {
        p: fresh_name(rng, "lower", taken) + p[p.index(":") :]
        if ":" in p
        else fresh_name(rng, "lower", taken)
        for p in declared_predicates(sample.input)
    }
    texts = (sample.instruction, sample.input, sample.output)
    return renamed(sample, *(rename_words(t, mapping, r"[\w:]") for t in texts))


# --- symbols -------------------------------------------------------------------------------------


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
    languages=LANGS,
    tasks=(Task("nl2lambda-geoquery", "GeoQuery-style templates over US geography", GEN, gen_geoquery, 300),),
    check=check_lambda,
    evolve=evolve,
    depth=depth.lark_depth(LAMBDA_GRAMMAR),
    one_line=True,
    infer=(Rule(40, r"\(lambda \$\d|\([a-z_]+:[a-z]\s"),),
    packages=("lark",),
    lex=lex_lambda,
    concepts={  # GeoQuery lambda calculus (Zettlemoyer & Collins, UAI 2005, "Background": logical forms)
        "conjunction": ("and",),  # (and p1 p2 ...): conjunction of propositions
        "existential": ("exists",),  # (exists $1 p): existential quantifier
        "aggregation": ("count",),  # (count $0 p): the number of entities satisfying p
        "extremum": ("argmax", "argmin"),  # (argmax $0 p f): the entity satisfying p that maximises f
        "abstraction": ("lambda",),  # (lambda $0 e p): lambda abstraction over an entity variable
    },
)
