"""NL→tool calls (JSON ``{"name", "arguments"}`` against JSON-Schema tool signatures given in the
input) and NL→JSON records that must validate against a JSON Schema given in the input."""

from __future__ import annotations

import json
import random
from typing import Any

from symbolcollection.tasks.base import Draft, phrase, pick

CALL_LANGS = (
    "a JSON tool call",
    "an API call in JSON",
    "a function call as JSON",
    "a tool invocation (JSON)",
)
JSON_LANGS = ("a JSON object", "JSON", "a JSON record", "a JSON document")
SOURCE_API = "generated:tool-signatures"
SOURCE_JSON = "generated:json-schemas"
CITIES = ("Paris", "Lima", "Oslo", "Cairo", "Delhi", "Quito", "Rome", "Seoul", "Tunis", "Perth")
PEOPLE = ("ada@example.org", "bruno@example.org", "chen@example.org", "dana@example.org")


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
