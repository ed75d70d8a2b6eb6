"""Execution match of the smtlib family: sandbox ``smt`` jobs (the prediction, and its
equivalence with the gold's assertions, solved by z3 in the sandbox) and their judge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symbolcollection.execution import first_ok
from symbolcollection.families.smtlib.check import DECLARATIONS, commands, render
from symbolcollection.family import CheckFailed, Outcome
from symbolcollection.schema import Sample


def equivalence(gold: str, pred: str) -> str:
    """A script that is ``unsat`` exactly when ``pred``'s assertions are equivalent to ``gold``'s
    (the declarations of both, then ``(assert (not (= (and gold…) (and pred…))))``)."""

    def split(text: str) -> tuple[list[str], list[str]]:
        forms = commands(text)
        decls = [render(f) for f in forms if f[0] in DECLARATIONS]
        return decls, [render(f[1]) for f in forms if f[0] == "assert" and len(f) == 2]

    (gd, ga), (pd, pa) = split(gold), split(pred)
    head = "\n".join(dict.fromkeys(gd + pd))
    both = f"(and true {' '.join(ga)})", f"(and true {' '.join(pa)})"
    return f"{head}\n(assert (not (= {both[0]} {both[1]})))"


def jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    """One ``smt`` job: the script itself, and its equivalence with the gold's assertions."""
    try:
        return [{"kind": "smt", "queries": [text, equivalence(sample.output, text)]}]
    except CheckFailed:
        return []


def judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """The same ``check-sat`` result as the gold, and equivalent assertions."""
    p, g = first_ok(pred), first_ok(gold)
    if p is None or g is None:
        return False
    return p.value[0] == g.value[0] and p.value[1] == "unsat"
