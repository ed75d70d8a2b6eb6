"""Tool calls as JSON objects, valid against JSON-Schema tool signatures."""

from __future__ import annotations

import json

from trainer.data import depth, evol, lexing, normalise
from trainer.data.checkers.structured import check_api_call
from trainer.data.execution import json_judge
from trainer.data.family import Execution, Family, Rule, Task
from trainer.data.tasks import tools
from trainer.data.tasks.base import GEN

SOURCE = "JSON-Schema tool signatures"


def is_call(output: str) -> bool:
    """A JSON object (or list whose first item is one) shaped as a call: ``name`` and
    ``arguments``, or ``api_name``."""
    text = output.strip()
    if not text.startswith(("{", "[")):
        return False
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return False
    first = value[0] if isinstance(value, list) and value else value
    return isinstance(first, dict) and ({"name", "arguments"} <= set(first) or "api_name" in first)


def lex_api_call(text: str) -> list[lexing.Symbol]:
    """Calls are JSON: JSON's symbols (keys such as ``"name"`` and ``"arguments"`` identifiers)."""
    from trainer.data.families.json import lex_json

    return lex_json(text)


FAMILY = Family(
    name="api_call",
    languages=tools.CALL_LANGS,
    tasks=(
        Task("nl2api-single-call", SOURCE, GEN, tools.gen_single_call, 160),
        Task("nl2api-call-sequence", SOURCE, GEN, tools.gen_call_sequence, 140),
    ),
    check=check_api_call,
    exact=normalise._json,
    exact_rule="JSON parsed and re-serialised with sorted keys",
    execution=Execution("valid against the tool signatures and equal as objects", json_judge),
    evolve=evol._evolve_api,
    depth=depth._json,
    one_line=True,
    infer=(Rule(0, is_call),),
    packages=("jsonschema",),
    lex=lex_api_call,
)
