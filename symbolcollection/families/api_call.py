"""Tool calls as JSON objects, valid against JSON-Schema tool signatures.

The request's input lists the available tools (JSON-Schema signatures); the answer is one call
``{"name": ..., "arguments": {...}}`` or a list of calls in order. The checker validates each
call's arguments against its tool's parameters; exact match, depth and lexer are JSON's
(:mod:`symbolcollection.families.json`).
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Sequence
from typing import Any

from symbolcollection import lexing
from symbolcollection.execution import json_valid_and_equal
from symbolcollection.families.json import (
    CITIES,
    PEOPLE,
    json_context,
    json_depth,
    json_sorted,
    lex_json,
    validator,
)
from symbolcollection.family import CheckFailed, Execution, Family, Outcome, Rule, Task
from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, Draft, phrase, pick

# --- tasks ---------------------------------------------------------------------------------------

#: the tasks' data source (the data card), and each sample's ``source``
SOURCE, SOURCE_API = "JSON-Schema tool signatures", "generated:tool-signatures"
CALL_LANGS = (
    "a JSON tool call",
    "an API call in JSON",
    "a function call as JSON",
    "a tool invocation (JSON)",
)


def _p(typ: str, **kw: Any) -> dict[str, Any]:
    return {"type": typ, **kw}


#: name -> (description, properties, required, [(phrasings, argument sampler)])
TOOLS: dict[str, dict[str, Any]] = {
    "get_weather": {"description": "Current weather for a city",
                    "properties": {"city": _p("string"), "unit": _p("string", enum=["celsius", "fahrenheit"])}},
    "book_flight": {"description": "Book a one-way flight",
                    "properties": {"origin": _p("string"), "destination": _p("string"), "passengers": _p("integer", minimum=1, maximum=9)}},
    "send_email": {"description": "Send an email",
                   "properties": {"to": _p("string"), "subject": _p("string")}},
    "set_alarm": {"description": "Set an alarm",
                  "properties": {"hour": _p("integer", minimum=0, maximum=23), "minute": _p("integer", minimum=0, maximum=59)}},
    "convert_currency": {"description": "Convert an amount between currencies",
                         "properties": {"amount": _p("number", minimum=0), "source": _p("string", enum=["USD", "EUR", "JPY", "GBP"]),
                                        "target": _p("string", enum=["USD", "EUR", "JPY", "GBP"])}},
    "search_restaurants": {"description": "Find restaurants",
                           "properties": {"city": _p("string"), "cuisine": _p("string", enum=["thai", "italian", "mexican", "indian"]),
                                          "max_price": _p("integer", minimum=1, maximum=4)}},
    "create_event": {"description": "Add a calendar event",
                     "properties": {"title": _p("string"), "day": _p("string", enum=["monday", "tuesday", "wednesday", "thursday", "friday"]),
                                    "duration_minutes": _p("integer", minimum=5, maximum=480)}},
}  # fmt: skip


def _sig(name: str) -> dict[str, Any]:
    t = TOOLS[name]
    props = t["properties"]
    return {
        "name": name,
        "description": t["description"],
        "parameters": {
            "type": "object",
            "properties": props,
            "required": sorted(props),
            "additionalProperties": False,
        },
    }


def _call(rng: random.Random, name: str) -> tuple[str, dict[str, Any]]:
    if name == "get_weather":
        a = {"city": rng.choice(CITIES), "unit": rng.choice(["celsius", "fahrenheit"])}
        return pick(
            rng,
            (
                "what's the weather in {city} in {unit}",
                "tell me the {city} weather, in {unit}",
                "how warm is it in {city}? use {unit}",
            ),
            **a,
        ), a
    if name == "book_flight":
        o, d = rng.sample(CITIES, 2)
        a = {"origin": o, "destination": d, "passengers": rng.randint(1, 6)}
        return pick(
            rng,
            (
                "book a flight from {origin} to {destination} for {passengers} people",
                "get {passengers} seats flying {origin} to {destination}",
                "I need to fly from {origin} to {destination}, {passengers} passengers",
            ),
            **a,
        ), a
    if name == "send_email":
        a = {
            "to": rng.choice(PEOPLE),
            "subject": rng.choice(["Meeting notes", "Invoice", "Lunch", "Trip plan", "Report"]),
        }
        return pick(
            rng,
            (
                "email {to} with the subject '{subject}'",
                "send a message titled '{subject}' to {to}",
                "write to {to} about '{subject}'",
            ),
            **a,
        ), a
    if name == "set_alarm":
        a = {"hour": rng.randint(0, 23), "minute": rng.choice([0, 5, 15, 30, 45])}
        return pick(
            rng,
            (
                "wake me at {hour}:{minute:02d}",
                "set an alarm for {hour}:{minute:02d}",
                "I want an alarm at {hour:02d}{minute:02d} hours",
            ),
            **a,
        ), a
    return _more_call(rng, name)


def _more_call(rng: random.Random, name: str) -> tuple[str, dict[str, Any]]:
    """The request and arguments of a call to ``convert_currency``, ``search_restaurants`` or
    ``create_event`` (the rest of :func:`_call`)."""
    if name == "convert_currency":
        s, t = rng.sample(["USD", "EUR", "JPY", "GBP"], 2)
        a = {"amount": rng.choice([5, 20, 75, 100, 250, 1200]), "source": s, "target": t}
        return pick(
            rng,
            (
                "convert {amount} {source} to {target}",
                "how much is {amount} {source} in {target}",
                "change {amount} {source} into {target}",
            ),
            **a,
        ), a
    if name == "search_restaurants":
        a = {
            "city": rng.choice(CITIES),
            "cuisine": rng.choice(["thai", "italian", "mexican", "indian"]),
            "max_price": rng.randint(1, 4),
        }
        return pick(
            rng,
            (
                "find {cuisine} food in {city}, price level at most {max_price}",
                "any {cuisine} restaurants in {city} up to price {max_price}?",
                "look for a {cuisine} place in {city} costing no more than {max_price}",
            ),
            **a,
        ), a
    a = {
        "title": rng.choice(["Standup", "Dentist", "Review", "Yoga", "Budget call"]),
        "day": rng.choice(["monday", "tuesday", "wednesday", "thursday", "friday"]),
        "duration_minutes": rng.choice([15, 30, 45, 60, 90]),
    }
    return pick(
        rng,
        (
            "add '{title}' on {day} for {duration_minutes} minutes",
            "schedule {title} this {day}, {duration_minutes} min",
            "put a {duration_minutes}-minute '{title}' in my calendar on {day}",
        ),
        **a,
    ), a


def _tools_input(rng: random.Random, used: list[str]) -> str:
    names = list(dict.fromkeys([*used, rng.choice([t for t in TOOLS if t not in used])]))
    rng.shuffle(names)
    return json.dumps([_sig(n) for n in names])


def gen_single_call(rng: random.Random, n: int) -> list[Draft]:
    """One request, one call among several available tools."""
    out = []
    for _ in range(n):
        name = rng.choice(list(TOOLS))
        q, args = _call(rng, name)
        call = json.dumps({"name": name, "arguments": args})
        out.append(
            phrase(
                rng,
                "nl2api-single-call",
                "api_call",
                q[0].upper() + q[1:] + ".",
                CALL_LANGS,
                call,
                SOURCE_API,
                _tools_input(rng, [name]),
            )
        )
    return out


def gen_call_sequence(rng: random.Random, n: int) -> list[Draft]:
    """Two requests joined, answered by a list of two calls in order."""
    out = []
    for _ in range(n):
        a, b = rng.sample(list(TOOLS), 2)
        qa, aa = _call(rng, a)
        qb, ab = _call(rng, b)
        q = pick(
            rng,
            ("First {x}, then {y}.", "{X}; after that, {y}.", "Please {x} and also {y}."),
            x=qa,
            y=qb,
            X=qa[0].upper() + qa[1:],
        )
        calls = json.dumps([{"name": a, "arguments": aa}, {"name": b, "arguments": ab}])
        out.append(
            phrase(
                rng,
                "nl2api-call-sequence",
                "api_call",
                q,
                CALL_LANGS,
                calls,
                SOURCE_API,
                _tools_input(rng, [a, b]),
            )
        )
    return out


# --- checker -------------------------------------------------------------------------------------


def check_api_call(sample: Sample) -> None:
    """A call is ``{"name": ..., "arguments": {...}}`` (or a list of calls); with tool definitions
    in ``input`` (a JSON list of ``{name, parameters}``), the name must exist and the arguments
    must validate against its parameter schema (``jsonschema``)."""
    import jsonschema

    value = json.loads(sample.output)
    calls = value if isinstance(value, list) else [value]
    tools = json_context(sample.input)
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
            v = validator(tool.get("parameters", {}), f"api_call: {call['name']}")
            err = jsonschema.exceptions.best_match(v.iter_errors(call.get("arguments", {})))
            if err is not None:
                raise CheckFailed(f"api_call: {call['name']}: {err.message[:160]}")


# --- execution match (judged in the checker worker) ----------------------------------------------


def judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Valid for the checker and equal to the gold output as a JSON value."""
    return json_valid_and_equal(sample, text, check_api_call)


# --- Symbol-Evol ---------------------------------------------------------------------------------


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


# --- released rows -------------------------------------------------------------------------------


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


# --- symbols -------------------------------------------------------------------------------------


def lex_api_call(text: str) -> list[lexing.Symbol]:
    """Calls are JSON: JSON's symbols (keys such as ``"name"`` and ``"arguments"`` identifiers),
    and the called tool's name (the string after ``"name":``) an identifier too: it names a
    function, and Symbol-Evol renames it like the argument names."""
    out = lex_json(text)
    for i in range(2, len(out)):
        if out[i].cls == "literal" and out[i - 1].text == ":" and out[i - 2].text == '"name"':
            out[i] = dataclasses.replace(out[i], cls="identifier")
    return out


FAMILY = Family(
    name="api_call",
    languages=CALL_LANGS,
    tasks=(
        Task("nl2api-single-call", SOURCE, GEN, gen_single_call, 160),
        Task("nl2api-call-sequence", SOURCE, GEN, gen_call_sequence, 140),
    ),
    check=check_api_call,
    exact=json_sorted,
    exact_rule="JSON parsed and re-serialised with sorted keys",
    execution=Execution("valid against the tool signatures and equal as objects", judge),
    evolve=evolve,
    depth=json_depth,
    one_line=True,
    infer=(Rule(0, is_call),),
    packages=("jsonschema",),
    lex=lex_api_call,
)
