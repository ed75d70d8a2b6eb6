"""The PDDL family's sandbox job kind ``plan``: pyperplan plans for a generated goal, and whether
the plan reaches the gold goal (Symbol+Delegation).

Standard library and ``pyperplan`` only, importing nothing of the project: the sandbox's harness
loads this file as ``kinds_pddl.py`` (:attr:`symbolcollection.family.Family.kinds`).
"""

from __future__ import annotations

import os
from typing import Any


def _ground(domain: str, problem: str) -> Any:
    from pyperplan.grounding import ground
    from pyperplan.pddl.parser import Parser

    parser = Parser(domain, problem)
    return ground(parser.parse_problem(parser.parse_domain()))


def run_plan(job: dict[str, Any], shared: dict[str, Any], conn: Any) -> dict[str, Any]:
    """``{"plan": [operator names] | None, "valid": bool}``: greedy best-first search with h_FF on
    the generated problem, the plan then replayed on the gold problem to its goal."""
    from pyperplan.heuristics.relaxation import hFFHeuristic
    from pyperplan.search import greedy_best_first_search

    paths = {}
    for key in ("domain", "problem", "gold_problem"):
        paths[key] = os.path.abspath(key + ".pddl")
        with open(paths[key], "w", encoding="utf-8") as fh:
            fh.write(job[key])
    task = _ground(paths["domain"], paths["problem"])
    plan = greedy_best_first_search(task, hFFHeuristic(task))
    if plan is None:
        return {"plan": None, "valid": False}
    gold = _ground(paths["domain"], paths["gold_problem"])
    state, ops = gold.initial_state, {op.name: op for op in gold.operators}
    for step in plan:
        op = ops.get(step.name)
        if op is None or not op.applicable(state):
            return {"plan": [s.name for s in plan], "valid": False}
        state = op.apply(state)
    return {"plan": [s.name for s in plan], "valid": bool(gold.goal_reached(state))}


KINDS = {"plan": run_plan}
WARM: dict[str, dict[str, Any]] = {"plan": {}}
PRELOAD = {
    "plan": (
        "pyperplan.search",
        "pyperplan.grounding",
        "pyperplan.pddl.parser",
        "pyperplan.heuristics.relaxation",
    )
}
