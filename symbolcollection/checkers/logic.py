"""Checkers for logical forms: first-order logic (``nltk``) and SPARQL (``rdflib``)."""

from __future__ import annotations

import re
from typing import Any

from symbolcollection.checkers import CheckFailed
from symbolcollection.declarations import declarations, declared_predicates
from symbolcollection.schema import Sample


def _fol_atoms(expr: Any, acc: list[tuple[str, int]]) -> None:
    from nltk.sem.logic import ApplicationExpression, ConstantExpression

    if isinstance(expr, ApplicationExpression):
        fn, args = expr.uncurry()
        acc.append((str(fn), len(args)))
        for a in args:
            _fol_atoms(a, acc)
        return
    if isinstance(expr, ConstantExpression):
        return
    for attr in ("term", "first", "second"):
        if hasattr(expr, attr):
            _fol_atoms(getattr(expr, attr), acc)


#: Nesting (and flat ``&``/``|`` chain) depth nltk may parse; deeper is a rejection, not a crash.
FOL_MAX_DEPTH = 2_000


def check_fol(sample: Sample) -> None:
    """Parse with ``nltk.sem.logic``; with a ``Predicates:`` declaration, every predicate used must
    be declared with the same arity."""
    from nltk.sem.logic import LogicalExpressionException, LogicParser

    parser = LogicParser()
    parser.MAX_PARSE_DEPTH = FOL_MAX_DEPTH  # nltk's 200 rejects valid long flat conjunctions
    try:
        expr = parser.parse(sample.output)
    except LogicalExpressionException as err:
        raise CheckFailed(f"fol: {' '.join(str(err).split())[:160]}") from None
    preds = declared_predicates(sample.input)
    if preds:
        atoms: list[tuple[str, int]] = []
        _fol_atoms(expr, atoms)
        for name, arity in atoms:
            if preds.get(name) != arity:
                raise CheckFailed(f"fol: predicate {name}/{arity} is not declared")


_PREFIX = re.compile(r"PREFIX\s+(\w*):\s*<([^>]*)>", re.I)


def check_sparql(sample: Sample) -> None:
    """Parse with ``rdflib``'s SPARQL parser (prefixes from the query or ``input``); with a
    ``Properties:``/``Classes:`` declaration every ``prefix:name`` used must be declared."""
    from rdflib.plugins.sparql import prepareQuery

    ns = dict(_PREFIX.findall(sample.input))
    prepareQuery(sample.output, initNs=ns)
    decl = declarations(sample.input)
    names = set(decl.get("Properties", [])) | set(decl.get("Classes", []))
    if names:
        checked = {n.split(":", 1)[0] for n in names}
        body = _PREFIX.sub("", sample.output)
        body = re.sub(r'"[^"]*"', "", body)
        for used in re.findall(r"\b([a-z]\w*:[A-Za-z_]\w*)", body):
            if used.split(":", 1)[0] in checked and used not in names:
                raise CheckFailed(f"sparql: {used} is not declared")
