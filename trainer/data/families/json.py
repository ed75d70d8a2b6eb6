"""JSON records valid against a JSON Schema."""

from __future__ import annotations

import json

from trainer.data import depth, normalise
from trainer.data.checkers.structured import check_json
from trainer.data.execution import json_judge
from trainer.data.family import Execution, Family, Rule, Task
from trainer.data.tasks import tools
from trainer.data.tasks.base import GEN


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


FAMILY = Family(
    name="json",
    languages=tools.JSON_LANGS,
    tasks=(Task("nl2json-record", "JSON Schemas", GEN, tools.gen_json_record, 300),),
    check=check_json,
    exact=normalise.json_sorted,
    exact_rule="JSON parsed and re-serialised with sorted keys",
    execution=Execution("valid against the schema and equal as objects", json_judge),
    depth=depth.json_depth,
    one_line=True,
    infer=(Rule(1, is_json),),
    packages=("jsonschema",),
)
