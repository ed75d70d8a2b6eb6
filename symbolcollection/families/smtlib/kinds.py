"""The SMT-LIB family's sandbox job kind ``smt``: z3's answer (``sat``/``unsat``/``unknown``) for
each script (the first-order logic family's entailment checks use it too).

Standard library and ``z3`` only, importing nothing of the project: the sandbox's harness loads
this file as ``kinds_smtlib.py`` (:attr:`symbolcollection.family.Family.kinds`).
"""

from __future__ import annotations

from typing import Any


def run_smt(job: dict[str, Any], shared: dict[str, Any], conn: Any) -> list[str]:
    """z3's ``check()`` of each of ``job["queries"]`` (SMT-LIB 2 text), within ``timeout_ms``."""
    import z3

    out = []
    for text in job["queries"]:
        solver = z3.Solver()
        solver.set("timeout", int(job.get("timeout_ms", 2000)))
        solver.from_string(text)
        out.append(str(solver.check()))
    return out


KINDS = {"smt": run_smt}
WARM = {"smt": {"queries": ["(declare-const a Int)\n(assert (> a 1))"]}}
PRELOAD = {"smt": ("z3",)}
