"""JSON records valid against a JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Sequence

from symbolcollection import depth, normalise
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
)
