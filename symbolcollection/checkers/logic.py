"""Checkers for logical forms: GeoQuery-style lambda calculus and
LTL (``lark`` grammars), AMR (``penman``)."""

from __future__ import annotations

import functools
import logging
from typing import Any

from symbolcollection.checkers import CheckFailed
from symbolcollection.declarations import declarations, declared_predicates
from symbolcollection.schema import Sample

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


def check_amr(sample: Sample) -> None:
    """Decode with ``penman``: one rooted graph, every edge from a declared variable, no variable
    declared twice, every concept non-empty."""
    import penman

    # penman logs each repair of a malformed graph ("Missing target: ...") as a warning; a broken
    # generation is reported by this check's verdict, not by a screenful of log lines
    logging.getLogger("penman").setLevel(logging.ERROR)
    graph = penman.decode(sample.output)
    if not graph.instances():
        raise CheckFailed("amr: no concept instances")
    variables = [i.source for i in graph.instances()]
    if len(set(variables)) != len(variables):
        raise CheckFailed("amr: a variable is declared twice")
    if any(not i.target for i in graph.instances()):
        raise CheckFailed("amr: an instance has no concept")
    declared = set(variables)
    for edge in graph.edges() + graph.attributes():
        if edge.source not in declared:
            raise CheckFailed(f"amr: edge from undeclared variable {edge.source}")
    if graph.top not in declared:
        raise CheckFailed("amr: the top is not a variable")
