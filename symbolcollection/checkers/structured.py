"""Checkers for molecules (RDKit), math (``ast`` whitelist, then ``sympy``/evaluation), LaTeX
(``sympy``'s lark LaTeX parser) and JSON and tool calls (``jsonschema``)."""

from __future__ import annotations

import ast
import json
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


def _json_context(text: str) -> Any:
    text = text.strip()
    if not text.startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


_REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")


def _local_refs_only(schema: Any, where: str) -> None:
    """Refuse a schema whose ``$ref`` points outside itself (a URL or another file): never fetched."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in _REF_KEYS:
                ref = node.get(key)
                if ref is not None and not (isinstance(ref, str) and ref.startswith("#")):
                    raise CheckFailed(
                        f"{where}: the schema refers to {str(ref)[:80]!r}; remote references are not fetched"
                    )
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _validator(schema: Any, where: str) -> Any:
    """A Draft 2020-12 validator over a registry that retrieves nothing (no network, no files)."""
    import jsonschema
    import referencing

    def refuse(uri: str) -> Any:
        raise CheckFailed(f"{where}: the schema refers to {uri[:80]!r}; remote references are not fetched")

    _local_refs_only(schema, where)
    return jsonschema.Draft202012Validator(schema, registry=referencing.Registry(retrieve=refuse))


def check_json(sample: Sample) -> None:
    """Parse with ``json``; when ``input`` is a JSON Schema, validate against it (``jsonschema``)."""
    import jsonschema

    value = json.loads(sample.output)
    schema = _json_context(sample.input)
    if isinstance(schema, dict) and ("properties" in schema or "type" in schema):
        jsonschema.Draft202012Validator.check_schema(schema)
        err = jsonschema.exceptions.best_match(_validator(schema, "json").iter_errors(value))
        if err is not None:
            raise CheckFailed(f"json: {err.message[:160]}")


def check_api_call(sample: Sample) -> None:
    """A call is ``{"name": ..., "arguments": {...}}`` (or a list of calls); with tool definitions
    in ``input`` (a JSON list of ``{name, parameters}``), the name must exist and the arguments
    must validate against its parameter schema (``jsonschema``)."""
    import jsonschema

    value = json.loads(sample.output)
    calls = value if isinstance(value, list) else [value]
    tools = _json_context(sample.input)
    by_name = (
        {t["name"]: t for t in tools if isinstance(t, dict) and "name" in t}
        if isinstance(tools, list)
        else {}
    )
    if not calls:
        raise CheckFailed("api_call: no call")
    for call in calls:
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            raise CheckFailed("api_call: a call must be an object with a string 'name'")
        if not isinstance(call.get("arguments", {}), dict):
            raise CheckFailed("api_call: 'arguments' must be an object")
        if by_name:
            tool = by_name.get(call["name"])
            if tool is None:
                raise CheckFailed(f"api_call: unknown tool {call['name']!r}")
            v = _validator(tool.get("parameters", {}), f"api_call: {call['name']}")
            err = jsonschema.exceptions.best_match(v.iter_errors(call.get("arguments", {})))
            if err is not None:
                raise CheckFailed(f"api_call: {call['name']}: {err.message[:160]}")
