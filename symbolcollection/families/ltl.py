"""Linear temporal logic formulas over the request's propositions.

The tasks turn robot navigation commands (Gopalan et al. style) into LTL over room propositions
the request declares; the checker parses with a ``lark`` grammar and checks that every
proposition is declared. There is no execution match.
"""

from __future__ import annotations

import functools
import random
from typing import Any

from symbolcollection import depth, lexing, normalise
from symbolcollection.declarations import declarations
from symbolcollection.family import CheckFailed, Family, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, Draft, phrase, pick

# --- tasks ---------------------------------------------------------------------------------------

LANGS = ("linear temporal logic", "an LTL formula", "LTL", "a temporal logic formula")
SOURCE = "generated:ltl-templates"
ROOMS = ("kitchen", "office", "hallway", "lab", "garage", "lobby", "bedroom", "charger", "library", "porch",
         "depot", "roof")  # fmt: skip


#: (phrasings over rooms {a} {b} {c}, LTL formula, rooms used)
_FORMS: tuple[tuple[tuple[str, ...], str, int], ...] = (
    (
        (
            "Eventually go to the {a}.",
            "Reach the {a} at some point.",
            "Make sure you end up visiting the {a}.",
        ),
        "F {a}",
        1,
    ),
    (
        (
            "Go to the {a} and then to the {b}.",
            "Visit the {a}, and afterwards the {b}.",
            "First reach the {a}, later the {b}.",
        ),
        "F ({a} & F {b})",
        2,
    ),
    (("Always avoid the {a}.", "Never enter the {a}.", "Stay out of the {a} at all times."), "G !{a}", 1),
    (
        (
            "Visit the {a} infinitely often.",
            "Keep coming back to the {a} forever.",
            "Go to the {a} again and again, without end.",
        ),
        "G F {a}",
        1,
    ),
    (
        (
            "Do not enter the {b} until you have been to the {a}.",
            "Stay away from the {b} until the {a} is reached.",
            "Avoid the {b} before reaching the {a}.",
        ),
        "!{b} U {a}",
        2,
    ),
    (
        (
            "Reach the {a} while always avoiding the {b}.",
            "Get to the {a} and never go through the {b}.",
            "Eventually be in the {a}; the {b} must be avoided throughout.",
        ),
        "F {a} & G !{b}",
        2,
    ),
    (
        (
            "Whenever you are in the {a}, go to the {b} next.",
            "Each time the {a} is visited, the next step is the {b}.",
            "After any visit to the {a}, move straight to the {b}.",
        ),
        "G ({a} -> X {b})",
        2,
    ),
    (
        (
            "Visit the {a}, the {b} and the {c}, in that order.",
            "Go to the {a}, then the {b}, then finally the {c}.",
            "Reach the {a} first, the {b} second and the {c} last.",
        ),
        "F ({a} & F ({b} & F {c}))",
        3,
    ),
    (
        (
            "Visit both the {a} and the {b}, in any order.",
            "Go to the {a} and to the {b}; the order does not matter.",
            "Make sure the {a} and the {b} are each visited.",
        ),
        "F {a} & F {b}",
        2,
    ),
    (
        (
            "Once you reach the {a}, stay there forever.",
            "Eventually remain in the {a} permanently.",
            "End up in the {a} and never leave it.",
        ),
        "F G {a}",
        1,
    ),
    (
        (
            "Whenever you visit the {a}, eventually visit the {b}.",
            "Every visit to the {a} must be followed at some point by the {b}.",
            "If you are ever in the {a}, you must later reach the {b}.",
        ),
        "G ({a} -> F {b})",
        2,
    ),
    (
        (
            "Stay in the {a} until you reach the {b}.",
            "Remain in the {a} until the {b} is reached.",
            "Keep to the {a} up to the moment you get to the {b}.",
        ),
        "{a} U {b}",
        2,
    ),
)


def _form(rng: random.Random) -> tuple[str, str, list[str]]:
    a, b, c = rng.sample(ROOMS, 3)
    form = rng.randrange(12)
    phrasings, formula, k = _FORMS[form]
    q = pick(rng, phrasings, a=a, b=b, c=c)
    return q, formula.format(a=a, b=b, c=c), [a, b, c][:k]


def gen_ltl(rng: random.Random, n: int) -> list[Draft]:
    """Robot navigation commands with LTL formulas over declared room propositions."""
    out = []
    for _ in range(n):
        q, f, used = _form(rng)
        props = [*used, *rng.sample([r for r in ROOMS if r not in used], 2)]
        rng.shuffle(props)
        out.append(
            phrase(rng, "nl2ltl-navigation", "ltl", q, LANGS, f, SOURCE, "Propositions: " + ", ".join(props))
        )
    return out


# --- checker -------------------------------------------------------------------------------------

LTL_GRAMMAR = r"""
?start: impl
?impl: disj | disj "->" impl -> implies
?disj: conj | disj "|" conj -> or_
?conj: until | conj "&" until -> and_
?until: unary | unary UOP until -> until
?unary: atom | "(" impl ")" | "!" unary -> not_ | TOP unary -> temporal
UOP: "U" | "R" | "W"
TOP: "G" | "F" | "X"
atom: /[a-z][a-z0-9_]*/
%import common.WS
%ignore WS
"""


@functools.cache
def _parser(grammar: str) -> Any:
    from lark import Lark

    return Lark(grammar, parser="lalr")


def check_ltl(sample: Sample) -> None:
    """Parse with a ``lark`` LTL grammar (G F X ! & | -> U R W); with a ``Propositions:`` line,
    every atom must be declared."""
    tree = _parser(LTL_GRAMMAR).parse(sample.output)
    props = declarations(sample.input).get("Propositions")
    if props:
        for atom in tree.find_data("atom"):
            name = str(atom.children[0])
            if name not in props:
                raise CheckFailed(f"ltl: proposition {name!r} is not declared")


# --- symbols -------------------------------------------------------------------------------------


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
    languages=LANGS,
    tasks=(Task("nl2ltl-navigation", "navigation command templates", GEN, gen_ltl, 300),),
    check=check_ltl,
    exact=normalise.no_space,
    exact_rule="all whitespace removed",
    depth=depth.lark_depth(LTL_GRAMMAR),
    one_line=True,
    infer=(
        Rule(120, r"^(?=.*(\b[GFX]\b|\bU\b))[a-z0-9_\s!&|()GFXURW\->]+$"),
        Rule(10, r"(?i)\b(LTL|linear temporal logic)\b", "instruction"),
    ),
    packages=("lark",),
    lex=lex_ltl,
    concepts={  # LTL as in Baier & Katoen, Principles of Model Checking (2008) §5.1, in ASCII spelling
        "conjunction": ("&",),  # §5.1 syntax: φ1 ∧ φ2
        "negation": ("!",),  # §5.1 syntax: ¬φ
        "implication": ("->",),  # §5.1 derived operator: φ1 → φ2 = ¬φ1 ∨ φ2
        "universal": ("G",),  # §5.1 semantics: □φ ("always") holds iff φ holds at every position j ≥ 0
        "existential": ("F",),  # §5.1 semantics: ◇φ ("eventually") holds iff φ holds at some position j ≥ 0
    },
)
