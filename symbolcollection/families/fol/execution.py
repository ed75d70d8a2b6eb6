"""The delegation suite's ``logic`` check: generated and gold formulas translated to SMT-LIB, and
z3 (in the sandbox) asked whether each entails the other."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symbolcollection.family import Outcome
from symbolcollection.schema import Sample


class NotFol(ValueError):
    """A formula outside the fragment translated to SMT-LIB."""


def _smt(expr: Any, symbols: dict[str, int], bound: frozenset[str]) -> str:
    from nltk.sem import logic as L

    if isinstance(expr, L.AllExpression | L.ExistsExpression):
        q = "forall" if isinstance(expr, L.AllExpression) else "exists"
        v = f"v_{expr.variable.name}"
        return f"({q} (({v} U)) {_smt(expr.term, symbols, bound | {expr.variable.name})})"
    if isinstance(expr, L.NegatedExpression):
        return f"(not {_smt(expr.term, symbols, bound)})"
    ops = (
        (L.AndExpression, "and"),
        (L.OrExpression, "or"),
        (L.ImpExpression, "=>"),
        (L.IffExpression, "="),
        (L.EqualityExpression, "="),
    )
    for cls, op in ops:
        if isinstance(expr, cls):
            return f"({op} {_smt(expr.first, symbols, bound)} {_smt(expr.second, symbols, bound)})"
    if isinstance(expr, L.ApplicationExpression):
        fn, args = expr.uncurry()
        name = f"p_{fn}"
        if symbols.setdefault(name, len(args)) != len(args):
            raise NotFol(f"{fn} used with two arities")
        return f"({name} {' '.join(_smt(a, symbols, bound) for a in args)})"
    if isinstance(expr, L.AbstractVariableExpression):
        name = expr.variable.name
        if name in bound:
            return f"v_{name}"
        if symbols.setdefault(f"c_{name}", 0) != 0:
            raise NotFol(f"{name} used as a predicate and a term")
        return f"c_{name}"
    raise NotFol(f"{type(expr).__name__} is not translated")


def entailment_queries(gold: str, pred: str) -> list[str] | None:
    """SMT-LIB scripts whose unsatisfiability means ``gold`` ⊨ ``pred`` and ``pred`` ⊨ ``gold``;
    ``None`` when either formula does not parse or leaves the translated fragment."""
    from nltk.sem.logic import Expression

    symbols: dict[str, int] = {}
    try:
        g = _smt(Expression.fromstring(gold), symbols, frozenset())
        p = _smt(Expression.fromstring(pred), symbols, frozenset())
    except Exception:  # nltk's parse errors and NotFol
        return None
    decls = ["(declare-sort U 0)"] + [
        f"(declare-fun {n} ({' '.join(['U'] * k)}) {'Bool' if n.startswith('p_') else 'U'})"
        for n, k in sorted(symbols.items())
    ]
    head = "\n".join(decls)
    return [f"{head}\n(assert (and {g} (not {p})))", f"{head}\n(assert (and {p} (not {g})))"]


def logic_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    queries = entailment_queries(sample.output, text)
    return [{"kind": "smt", "queries": queries}] if queries else []


def logic_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    return bool(pred and pred[0].ok and pred[0].value == ["unsat", "unsat"])
