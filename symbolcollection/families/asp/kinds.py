"""The answer set programming family's sandbox job kind ``asp``: clingo's answer sets of a program.

Standard library and ``clingo`` only, importing nothing of the project: the sandbox's harness loads
this file as ``kinds_asp.py`` (:attr:`symbolcollection.family.Family.kinds`).
"""

from __future__ import annotations

from typing import Any


def run_asp(job: dict[str, Any], shared: dict[str, Any], conn: Any) -> dict[str, Any]:
    """clingo's answer sets of ``job["program"]``, projected on ``show`` ([name, arity] pairs),
    sorted; ``complete`` is False when more than ``max_models`` exist."""
    import clingo

    ctl = clingo.Control(["0"], logger=lambda code, message: None)
    ctl.add("base", [], job["program"])
    ctl.ground([("base", [])])
    show = {(name, arity) for name, arity in job["show"]}
    sets, complete = set(), True
    with ctl.solve(yield_=True) as handle:
        for n, model in enumerate(handle):
            if n >= job["max_models"]:
                complete = False
                break
            atoms = (str(s) for s in model.symbols(atoms=True) if (s.name, len(s.arguments)) in show)
            sets.add(tuple(sorted(atoms)))
    return {"sets": sorted(list(s) for s in sets), "complete": complete}


KINDS = {"asp": run_asp}
WARM = {"asp": {"program": "a.", "show": [["a", 0]], "max_models": 1}}
PRELOAD = {"asp": ("clingo",)}
