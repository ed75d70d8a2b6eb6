"""Checkers for molecules (RDKit), math (``ast`` whitelist, then ``sympy``/evaluation) and LaTeX
(``sympy``'s lark LaTeX parser)."""

from __future__ import annotations

import ast
import math
import re
from typing import Any

from symbolcollection.checkers import CheckFailed
from symbolcollection.schema import Sample

_FORMULA = re.compile(r"(?:molecular )?formula (?:is )?([A-Z][A-Za-z0-9+\-]*)")


def check_smiles(sample: Sample) -> None:
    """Parse with RDKit (sanitised); a molecular formula stated in the request must match."""
    from rdkit import Chem, RDLogger
    from rdkit.Chem.rdMolDescriptors import CalcMolFormula

    RDLogger.DisableLog("rdApp.*")
    mol = Chem.MolFromSmiles(sample.output.strip())
    if mol is None:
        raise CheckFailed("smiles: RDKit cannot parse or sanitise it")
    m = _FORMULA.search(sample.instruction + "\n" + sample.input)
    if m and CalcMolFormula(mol) != m.group(1).rstrip(".,;"):
        raise CheckFailed(f"smiles: formula {CalcMolFormula(mol)} differs from the stated {m.group(1)}")


_MATH_FUNCS = frozenset(
    {"sqrt", "sin", "cos", "tan", "exp", "log", "Abs", "abs", "Rational", "pi", "E", "round", "min", "max"}
)
_SAFE_NODES = (
    ast.Module, ast.Expression, ast.Expr, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load,
    ast.Store, ast.Call, ast.Assign, ast.AugAssign, ast.Return, ast.FunctionDef, ast.arguments,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd,
)  # fmt: skip
_DECLARED = re.compile(r"^Variables:\s*(.*)$", re.M)


MAX_EXPONENT = 100


def _whitelisted(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Pow):
            exp = node.right if isinstance(node, ast.BinOp) else node.value
            if not (
                isinstance(exp, ast.Constant)
                and isinstance(exp.value, int | float)
                and abs(exp.value) <= MAX_EXPONENT
            ):
                raise CheckFailed(f"math: exponents must be numbers up to {MAX_EXPONENT}")
        if not isinstance(node, _SAFE_NODES):
            raise CheckFailed(f"math: {type(node).__name__} is not allowed in a math answer")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise CheckFailed("math: only numeric constants are allowed")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in _MATH_FUNCS
        ):
            raise CheckFailed("math: only elementary functions may be called")


def check_math(sample: Sample) -> None:
    """A math answer is either an expression (parsed by ``sympy``; its free symbols must be among
    declared ``Variables:``) or a ``def solution():`` program of arithmetic (run, must return a
    finite number). Both pass an ``ast`` whitelist first, so nothing else is ever evaluated."""
    import sympy
    from sympy.parsing.sympy_parser import parse_expr

    text = sample.output.strip()
    try:
        tree: ast.AST = ast.parse(text, mode="eval")
    except SyntaxError:
        tree = ast.parse(text, mode="exec")
    if isinstance(tree, ast.Expression):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                node.func.id = node.func.id if node.func.id != "abs" else "Abs"
        _whitelisted(tree)
        expr = parse_expr(text, evaluate=False)
        m = _DECLARED.search(sample.input)
        if m:
            allowed = {v.strip() for v in m.group(1).split(",")}
            extra = sorted(str(s) for s in expr.free_symbols if str(s) not in allowed)
            if extra:
                raise CheckFailed(f"math: undeclared variable(s) {', '.join(extra)}")
        return
    _whitelisted(tree)
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]  # type: ignore[attr-defined]
    if not funcs or funcs[-1].name != "solution":
        raise CheckFailed("math: a program must define solution()")
    env: dict[str, Any] = {
        "__builtins__": {"round": round, "min": min, "max": max, "abs": abs},
        "sqrt": math.sqrt,
    }
    exec(compile(tree, "<math>", "exec"), env)  # safe: only whitelisted arithmetic nodes
    value = env["solution"]()
    if not isinstance(value, int | float | sympy.Basic) or not math.isfinite(float(value)):
        raise CheckFailed(f"math: solution() returned {value!r}, not a finite number")


def check_latex(sample: Sample) -> None:
    """Parse with ``sympy.parsing.latex.parse_latex`` (lark backend)."""
    from sympy.parsing.latex import parse_latex

    parse_latex(sample.output.strip(), backend="lark")
