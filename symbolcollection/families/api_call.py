"""Tool calls as JSON objects, valid against JSON-Schema tool signatures."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Sequence

from symbolcollection import depth, lexing, normalise
from symbolcollection.checkers.structured import check_api_call
from symbolcollection.execution import json_valid_and_equal
from symbolcollection.family import Execution, Family, Outcome, Rule, Task
from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks import tools
from symbolcollection.tasks.base import GEN

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


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """Tool and parameter names renamed in the signatures and the calls."""
    tools = json.loads(sample.input)
    taken: set[str] = set()
    names = {t["name"]: fresh_name(rng, "lower", taken) for t in tools}
    params = {p: fresh_name(rng, "lower", taken) for t in tools for p in t["parameters"]["properties"]}
    for t in tools:
        t["name"] = names[t["name"]]
        ps = t["parameters"]
        ps["properties"] = {params[k]: v for k, v in ps["properties"].items()}
        ps["required"] = [params[k] for k in ps.get("required", [])]
    calls = json.loads(sample.output)
    for c in calls if isinstance(calls, list) else [calls]:
        c["name"] = names[c["name"]]
        c["arguments"] = {params[k]: v for k, v in c["arguments"].items()}
    return renamed(sample, rename_words(sample.instruction, names), json.dumps(tools), json.dumps(calls))


def judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Valid for the checker and equal to the gold output as a JSON value."""
    return json_valid_and_equal(sample, text, check_api_call)


def lex_api_call(text: str) -> list[lexing.Symbol]:
    """Calls are JSON: JSON's symbols (keys such as ``"name"`` and ``"arguments"`` identifiers),
    and the called tool's name (the string after ``"name":``) an identifier too: it names a
    function, and Symbol-Evol renames it like the argument names."""
    from symbolcollection.families.json import lex_json

    out = lex_json(text)
    for i in range(2, len(out)):
        if out[i].cls == "literal" and out[i - 1].text == ":" and out[i - 2].text == '"name"':
            out[i] = dataclasses.replace(out[i], cls="identifier")
    return out


FAMILY = Family(
    name="api_call",
    languages=tools.CALL_LANGS,
    tasks=(
        Task("nl2api-single-call", SOURCE, GEN, tools.gen_single_call, 160),
        Task("nl2api-call-sequence", SOURCE, GEN, tools.gen_call_sequence, 140),
    ),
    check=check_api_call,
    exact=normalise.json_sorted,
    exact_rule="JSON parsed and re-serialised with sorted keys",
    execution=Execution("valid against the tool signatures and equal as objects", judge),
    evolve=evolve,
    depth=depth.json_depth,
    one_line=True,
    infer=(Rule(0, is_call),),
    packages=("jsonschema",),
    lex=lex_api_call,
)
