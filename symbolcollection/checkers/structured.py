"""Checkers for JSON and tool calls (``jsonschema``), cron (a ``lark`` grammar
with field ranges) and XPath (``xml.etree.ElementPath``, evaluated on the given document)."""

from __future__ import annotations

import functools
import json
from typing import Any

from symbolcollection.checkers import CheckFailed
from symbolcollection.schema import Sample


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
