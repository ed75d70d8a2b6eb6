"""Execution match of the asp family: sandbox ``asp`` jobs (facts + answer, solved by clingo in
the sandbox) and the judge that compares the sets of answer sets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symbolcollection.execution import first_ok
from symbolcollection.families.asp.check import MAX_MODELS, program, signature
from symbolcollection.family import CheckFailed, Outcome
from symbolcollection.schema import Sample


def jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    """One ``asp`` job: the answer sets of facts + ``text`` on the output predicates."""
    try:
        text = program(sample, text)
    except CheckFailed:
        return []
    show = [list(s) for s in signature(sample.input, "output")]
    return [{"kind": "asp", "program": text, "show": show, "max_models": MAX_MODELS}]


def judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Every answer set enumerated on both sides, and the same sets."""
    p, g = first_ok(pred), first_ok(gold)
    if p is None or g is None:
        return False
    return bool(p.value["complete"] and g.value["complete"] and g.value["sets"]) and (
        p.value["sets"] == g.value["sets"]
    )
