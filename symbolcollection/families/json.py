"""JSON records valid against a JSON Schema.

The task describes an entity in prose and gives the JSON Schema of its record in the input; the
checker parses with ``json`` and validates with ``jsonschema`` (never fetching a remote
``$ref``). Its JSON helpers (the input's JSON value, a validator, the exact-match form, the depth,
the lexer) are public: a family whose outputs are JSON too imports them from here.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

from symbolcollection import lexing
from symbolcollection.depth import tree_depth
from symbolcollection.execution import json_valid_and_equal
from symbolcollection.family import CheckFailed, Execution, Family, Outcome, Rule, Task, collapse
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, Draft, phrase, pick

# --- tasks ---------------------------------------------------------------------------------------

JSON_LANGS = ("a JSON object", "JSON", "a JSON record", "a JSON document")
SOURCE_JSON = "generated:json-schemas"
CITIES = ("Paris", "Lima", "Oslo", "Cairo", "Delhi", "Quito", "Rome", "Seoul", "Tunis", "Perth")
PEOPLE = ("ada@example.org", "bruno@example.org", "chen@example.org", "dana@example.org")


RECORDS = {
    "book": {"title": ("string", ("Dune", "Emma", "Solaris", "Kindred", "Beloved")), "author": ("string", ("Herbert", "Austen", "Lem", "Butler", "Morrison")),
             "year": ("integer", (1815, 1961, 1965, 1979, 1987)), "in_print": ("boolean", (True, False))},
    "person": {"name": ("string", ("Ada", "Bruno", "Chen", "Dana")), "age": ("integer", (19, 34, 47, 62)),
               "email": ("string", PEOPLE), "member": ("boolean", (True, False))},
    "product": {"sku": ("string", ("A-100", "B-220", "C-310", "D-404")), "price": ("number", (9.5, 19.99, 120.0, 3.25)),
                "stock": ("integer", (0, 12, 40, 7)), "fragile": ("boolean", (True, False))},
    "station": {"city": ("string", CITIES), "temperature": ("number", (-3.5, 12.0, 28.25, 35.5)),
                "humidity": ("integer", (20, 55, 80, 95)), "raining": ("boolean", (True, False))},
}  # fmt: skip


def _say(field: str, value: Any) -> str:
    if isinstance(value, bool):
        return f"{field.replace('_', ' ')} {'yes' if value else 'no'}"
    return f"{field.replace('_', ' ')} {value}"


def gen_json_record(rng: random.Random, n: int) -> list[Draft]:
    """Describe an entity in prose; produce the JSON object its schema asks for."""
    out = []
    for _ in range(n):
        kind = rng.choice(list(RECORDS))
        spec = RECORDS[kind]
        fields = list(spec)
        keep = fields[:2] + rng.sample(fields[2:], rng.randint(0, len(fields) - 2))
        rec = {f: rng.choice(spec[f][1]) for f in fields if f in keep}
        schema = {
            "type": "object",
            "properties": {f: {"type": spec[f][0]} for f in fields},
            "required": fields[:2],
            "additionalProperties": False,
        }
        desc = ", ".join(_say(f, rec[f]) for f in rec)
        q = pick(
            rng, ("Record a {k} with {d}.", "Make a {k} entry: {d}.", "Store this {k}: {d}."), k=kind, d=desc
        )
        out.append(
            phrase(
                rng, "nl2json-record", "json", q, JSON_LANGS, json.dumps(rec), SOURCE_JSON, json.dumps(schema)
            )
        )
    return out


# --- checker -------------------------------------------------------------------------------------


def json_context(text: str) -> Any:
    """The JSON value of a request's input if it is an object or array, else ``None``."""
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


def validator(schema: Any, where: str) -> Any:
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
    schema = json_context(sample.input)
    if isinstance(schema, dict) and ("properties" in schema or "type" in schema):
        jsonschema.Draft202012Validator.check_schema(schema)
        err = jsonschema.exceptions.best_match(validator(schema, "json").iter_errors(value))
        if err is not None:
            raise CheckFailed(f"json: {err.message[:160]}")


# --- exact match and depth -----------------------------------------------------------------------


def json_sorted(text: str) -> str:
    """JSON re-serialised with sorted keys; else the text collapsed."""
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):
        return collapse(text)


def json_depth(text: str) -> int:
    """Nesting depth of the JSON value (a scalar 1, ``{"a": 1}`` 2)."""

    def children(v: Any) -> list[Any]:
        if isinstance(v, dict):
            return list(v.values())
        return list(v) if isinstance(v, list) else []

    return tree_depth(json.loads(text), children)


# --- execution match (judged in the checker worker) ----------------------------------------------


def judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Valid for the checker and equal to the gold output as a JSON value."""
    return json_valid_and_equal(sample, text, check_json)


# --- released rows -------------------------------------------------------------------------------


def is_json(output: str) -> bool:
    """An object or array that parses as JSON."""
    text = output.strip()
    if not text.startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


# --- symbols -------------------------------------------------------------------------------------

_STRING = r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"'
#: RFC 8259's tokens; a string before ``:`` is an object key
_LEXER = lexing.RegexLexer(
    (
        lexing.Pattern("identifier", rf"{_STRING}(?=[ \t\n\r]*:)"),
        lexing.Pattern("literal", _STRING),
        lexing.Pattern("literal", r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?"),
        lexing.Pattern("literal", lexing.words("true", "false", "null")),
        lexing.Pattern("punctuation", r"[{}\[\],:]"),
    ),
    skip=r"[ \t\n\r]+",
)


def lex_json(text: str) -> list[lexing.Symbol]:
    """JSON symbols: object keys identifiers, strings, numbers, ``true`` ``false`` ``null``
    literals, ``{`` ``}`` ``[`` ``]`` ``,`` ``:`` punctuation."""
    return _LEXER(text)


FAMILY = Family(
    name="json",
    languages=JSON_LANGS,
    tasks=(Task("nl2json-record", "JSON Schemas", GEN, gen_json_record, 300),),
    check=check_json,
    exact=json_sorted,
    exact_rule="JSON parsed and re-serialised with sorted keys",
    execution=Execution("valid against the schema and equal as objects", judge),
    depth=json_depth,
    one_line=True,
    infer=(Rule(1, is_json),),
    packages=("jsonschema",),
    lex=lex_json,
)
