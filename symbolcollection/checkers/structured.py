"""Checkers for math (``ast`` whitelist, then ``sympy``/evaluation),
JSON and tool calls (``jsonschema``), cron (a ``lark`` grammar
with field ranges) and XPath (``xml.etree.ElementPath``, evaluated on the given document)."""

from __future__ import annotations

import ast
import functools
import json
import math
import re
from typing import Any

from symbolcollection.checkers import CheckFailed
from symbolcollection.schema import Sample

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


CRON_GRAMMAR = r"""
start: field field field field field
field: item ("," item)*
item: (STAR | range | value) ("/" NUMBER)?
range: value "-" value
value: NUMBER | NAME
STAR: "*"
NUMBER: /\d+/
NAME: /[A-Za-z]{3}/
%import common.WS
%ignore WS
"""
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@functools.cache
def _cron_parser() -> Any:
    from lark import Lark

    return Lark(CRON_GRAMMAR, parser="lalr")


def check_cron(sample: Sample) -> None:
    """Parse a five-field cron expression with a ``lark`` grammar and check every value's range."""
    tree = _cron_parser().parse(sample.output.strip())
    for i, field in enumerate(tree.children):
        lo, hi = _CRON_RANGES[i]
        for value in field.find_data("value"):
            tok = str(value.children[0])
            if tok.isdigit():
                n = int(tok)
            elif i == 3 and tok.lower() in _MONTHS:
                n = _MONTHS.index(tok.lower()) + 1
            elif i == 4 and tok.lower() in _DAYS:
                n = _DAYS.index(tok.lower())
            else:
                raise CheckFailed(f"cron: {tok!r} is not valid in field {i + 1}")
            if not lo <= n <= hi:
                raise CheckFailed(f"cron: {n} is out of range {lo}-{hi} in field {i + 1}")
        for item in field.children:
            step = [str(t) for t in item.children if getattr(t, "type", "") == "NUMBER"]
            if step and int(step[-1]) == 0:
                raise CheckFailed("cron: a step of 0")


def xpath_select(xml_text: str, path: str) -> list[Any]:
    """Evaluate ``path`` with ElementTree's XPath subset on ``xml_text`` (absolute paths start at
    the document root)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml_text)
    doc = ET.Element("document")
    doc.append(root)
    rel = path if path.startswith(".") else "." + path
    return doc.findall(rel)


def check_xpath(sample: Sample) -> None:
    """Compile with ``xml.etree.ElementPath``; when ``input`` holds an XML document, evaluate on
    it and require a non-empty selection."""
    import xml.etree.ElementTree as ET

    path = sample.output.strip()
    doc = sample.input.strip()
    if doc.startswith("<"):
        try:
            found = xpath_select(doc, path)
        except ET.ParseError as err:
            raise CheckFailed(f"xpath: the input document is not XML ({err})") from None
        if not found:
            raise CheckFailed("xpath: selects nothing in the given document")
    else:
        xpath_select("<root/>", path)
