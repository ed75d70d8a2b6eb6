"""The math family's sandbox job kind ``sympy_equal``: whether two expressions are equal under
sympy (a generated expression is parsed, and parsing evaluates, so it runs only in the sandbox).

Standard library and ``sympy`` only, importing nothing of the project: the sandbox's harness loads
this file as ``kinds_math.py`` (:attr:`symbolcollection.family.Family.kinds`). Math programs run
as the harness's generic ``call`` kind.
"""

from __future__ import annotations

from typing import Any


def run_sympy_equal(job: dict[str, Any], shared: dict[str, Any], conn: Any) -> bool:
    """``simplify(a - b) == 0`` for the expressions ``job["a"]`` and ``job["b"]``."""
    import sympy
    from sympy.parsing.sympy_parser import parse_expr

    a, b = parse_expr(job["a"]), parse_expr(job["b"])
    return bool(sympy.simplify(a - b) == 0)


KINDS = {"sympy_equal": run_sympy_equal}
WARM = {"sympy_equal": {"a": "sin(x)**2 + cos(x)**2", "b": "1"}}
PRELOAD = {"sympy_equal": ("sympy", "sympy.parsing.sympy_parser")}
