"""JSON records valid against a JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Sequence

from symbolcollection import depth, lexing, normalise
from symbolcollection.checkers.structured import check_json
from symbolcollection.execution import json_valid_and_equal
from symbolcollection.family import Execution, Family, Outcome, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks import tools
from symbolcollection.tasks.base import GEN


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


def judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Valid for the checker and equal to the gold output as a JSON value."""
    return json_valid_and_equal(sample, text, check_json)


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
    languages=tools.JSON_LANGS,
    tasks=(Task("nl2json-record", "JSON Schemas", GEN, tools.gen_json_record, 300),),
    check=check_json,
    exact=normalise.json_sorted,
    exact_rule="JSON parsed and re-serialised with sorted keys",
    execution=Execution("valid against the schema and equal as objects", judge),
    depth=depth.json_depth,
    one_line=True,
    infer=(Rule(1, is_json),),
    packages=("jsonschema",),
    lex=lex_json,
)
