"""Symbol+Delegation, the collection side: the jobs and judges that run a generated program
through a real solver (pyperplan for PDDL goals) and compare its answer with the gold program's. The suite that scores them is
:mod:`analysis.evaluate.delegation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symbolcollection import resources
from symbolcollection.family import Outcome
from symbolcollection.schema import Sample


def plan_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    files = resources.pddl_files(sample)
    if files is None:
        return []
    domain, problem = files
    return [
        {
            "kind": "plan",
            "domain": domain,
            "problem": resources.with_goal(problem, text),
            "gold_problem": problem,
        }
    ]


def plan_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    return bool(pred and pred[0].ok and pred[0].value.get("valid"))
