"""Symbol+Delegation: the model writes a program, a real solver produces the answer, and the
answer is compared with the gold program's answer.

- ``math``: word problems → a ``solution()`` program run in the sandbox → the gold value;
- ``planning``: the generated PDDL goal put into the sample's ``pddlgym`` problem, solved by
  ``pyperplan`` (greedy best-first, h_FF) in the sandbox, the plan replayed on the gold problem and
  the gold goal checked (only samples whose gold goal ``pyperplan`` parses and solves count);
- ``table``: table questions → the generated SQL run in ``sqlite3`` on the sample's database →
  the gold result (a multiset of rows, a list when the gold query orders);
- ``logic``: the generated first-order formula checked for mutual entailment with the gold one by
  ``z3`` (both ``gold ∧ ¬pred`` and ``pred ∧ ¬gold`` unsatisfiable), over an uninterpreted sort.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analysis.evaluate import resources
from analysis.evaluate.checks import Check, math_jobs, math_judge, sql_jobs, sql_judge
from analysis.evaluate.sandbox import Outcome
from symbolcollection.schema import Sample

#: delegation task -> the collection tasks its samples come from
TASKS: dict[str, tuple[str, ...]] = {
    "math": ("math-word-problem-program",),
    "planning": ("nl2pddl-goal",),
    "table": ("nl2sql-select", "nl2sql-aggregate", "nl2sql-join"),
    "logic": ("nl2fol-categorical", "nl2fol-relational"),
}


def plan_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    files = resources.pddl_files(sample)
    if files is None:
        return []
    domain, problem = files
    return [{"kind": "plan", "domain": domain, "problem": resources.with_goal(problem, text),
             "gold_problem": problem}]  # fmt: skip


def plan_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    return bool(pred and pred[0].ok and pred[0].value.get("valid"))


def table_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    return sql_jobs(sample, text, databases=1)


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
    ops = ((L.AndExpression, "and"), (L.OrExpression, "or"), (L.ImpExpression, "=>"), (L.IffExpression, "="),
           (L.EqualityExpression, "="))  # fmt: skip
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


CHECKS: dict[str, Check] = {
    "math": Check("d-math", "solution() run in the sandbox returns the gold value", math_judge, math_jobs),
    "planning": Check("d-planning", "pyperplan plan for the generated goal reaches the gold goal",
                      plan_judge, plan_jobs),
    "table": Check("d-table", "sqlite3 result on the sample's database equals the gold result",
                   sql_judge, table_jobs),
    "logic": Check("d-logic", "z3: generated and gold formulas entail each other", logic_judge, logic_jobs),
}  # fmt: skip


def task_of(sample: Sample) -> str | None:
    """The delegation task a collection sample belongs to (``None`` if none)."""
    return next((name for name, tasks in TASKS.items() if sample.task in tasks), None)
