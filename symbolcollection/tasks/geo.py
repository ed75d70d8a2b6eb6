"""NL→GeoQuery-style lambda calculus (Zettlemoyer & Collins typed constants ``texas:s``) from
question templates over US geography facts; the request declares the predicates used."""

from __future__ import annotations

import random

from symbolcollection.tasks.base import Draft, phrase, pick

LANGS = ("a lambda-calculus logical form", "a GeoQuery logical form", "lambda calculus", "a logical form")
SOURCE = "generated:geoquery-templates"
STATES = ("alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut", "delaware",
          "florida", "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas", "kentucky",
          "louisiana", "maine", "maryland", "massachusetts", "michigan", "minnesota", "mississippi", "missouri",
          "montana", "nebraska", "nevada", "new_hampshire", "new_jersey", "new_mexico", "new_york",
          "north_carolina", "north_dakota", "ohio", "oklahoma", "oregon", "pennsylvania", "rhode_island",
          "south_carolina", "south_dakota", "tennessee", "texas", "utah", "vermont", "virginia", "washington",
          "west_virginia", "wisconsin", "wyoming")  # fmt: skip
RIVERS = ("mississippi", "missouri", "colorado", "ohio", "red", "arkansas", "rio_grande", "snake", "columbia",
          "tennessee", "platte", "potomac")  # fmt: skip
CITIES = (("austin", "tx"), ("dallas", "tx"), ("boston", "ma"), ("denver", "co"), ("seattle", "wa"),
          ("chicago", "il"), ("miami", "fl"), ("portland", "or"), ("atlanta", "ga"), ("phoenix", "az"),
          ("detroit", "mi"), ("omaha", "ne"), ("tucson", "az"), ("albany", "ny"), ("reno", "nv"))  # fmt: skip
SIGS = {"state:t": 1, "city:t": 1, "river:t": 1, "place:t": 1, "lake:t": 1, "capital:t": 1, "next_to:t": 2,
        "loc:t": 2, "population:i": 1, "area:i": 1, "elevation:i": 1, "len:i": 1}  # fmt: skip


def _nl(c: str) -> str:
    return c.replace("_", " ")


#: The question forms: (extra entity drawn after the form: None | "city" | "river", phrasings,
#: lambda-calculus template over {s} (state), {c}/{st} (city, its state) or {r} (river), predicates).
# fmt: off
_FORMS: tuple[tuple[str | None, tuple[str, ...], str, tuple[str, ...]], ...] = (
    (None, ("which states border {S}", "what states are next to {S}", "name the states adjacent to {S}"),
     "(lambda $0 e (and (state:t $0) (next_to:t $0 {s}:s)))", ("state:t", "next_to:t")),
    (None, ("what is the capital of {S}", "name the capital city of {S}", "which city is the capital of {S}"),
     "(lambda $0 e (and (capital:t $0) (loc:t $0 {s}:s)))", ("capital:t", "loc:t")),
    ("city", ("what is the population of {C}", "how many people live in {C}", "how big is {C} in population"),
     "(population:i {c}_{st}:c)", ("population:i",)),
    (None, ("how many rivers are in {S}", "count the rivers in {S}", "what is the number of rivers in {S}"),
     "(count $0 (and (river:t $0) (loc:t $0 {s}:s)))", ("river:t", "loc:t")),
    (None, ("what is the largest city in {S}", "which city in {S} has the most people", "biggest city of {S}"),
     "(argmax $0 (and (city:t $0) (loc:t $0 {s}:s)) (population:i $0))", ("city:t", "loc:t", "population:i")),
    (None, ("which rivers run through {S}", "what rivers flow through {S}", "list the rivers in {S}"),
     "(lambda $0 e (and (river:t $0) (loc:t $0 {s}:s)))", ("river:t", "loc:t")),
    (None, ("what is the highest point in {S}", "where is the highest place in {S}", "name the highest point of {S}"),
     "(argmax $0 (and (place:t $0) (loc:t $0 {s}:s)) (elevation:i $0))", ("place:t", "loc:t", "elevation:i")),
    (None, ("what is the area of {S}", "how large is {S}", "how many square kilometers is {S}"),
     "(area:i {s}:s)", ("area:i",)),
    ("river", ("which states does the {R} river run through", "what states does the {R} flow through",
               "through which states does the {R} river pass"),
     "(lambda $0 e (and (state:t $0) (loc:t {r}:r $0)))", ("state:t", "loc:t")),
    (None, ("what states border states that border {S}", "which states are next to a neighbour of {S}",
            "name the states bordering the states adjacent to {S}"),
     "(lambda $0 e (and (state:t $0) (exists $1 (and (state:t $1) (next_to:t $0 $1) (next_to:t $1 {s}:s)))))",
     ("state:t", "next_to:t")),
    (None, ("what is the smallest state bordering {S}", "which neighbour of {S} has the least area",
            "the smallest state next to {S}"),
     "(argmin $0 (and (state:t $0) (next_to:t $0 {s}:s)) (area:i $0))", ("state:t", "next_to:t", "area:i")),
    ("river", ("how long is the {R} river", "what is the length of the {R}", "give the length of the {R} river"),
     "(len:i {r}:r)", ("len:i",)),
)
# fmt: on


def _form(rng: random.Random) -> tuple[str, str, list[str]]:
    """One question, its logical form and the predicates it uses."""
    s = rng.choice(STATES)
    extra, phrasings, template, predicates = _FORMS[rng.randrange(len(_FORMS))]
    names: dict[str, str] = {"S": _nl(s)}
    values = {"s": s}
    if extra == "city":
        c, st = rng.choice(CITIES)
        names, values = {"C": c}, {"c": c, "st": st}
    elif extra == "river":
        r = rng.choice(RIVERS)
        names, values = {"R": _nl(r)}, {"r": r}
    return pick(rng, phrasings, **names), template.format(**values), list(predicates)


def gen_geoquery(rng: random.Random, n: int) -> list[Draft]:
    """GeoQuery-style questions with typed lambda-calculus logical forms."""
    out = []
    for _ in range(n):
        q, lf, used = _form(rng)
        extra = rng.sample([p for p in SIGS if p not in used], 2)
        preds = [*used, *extra]
        rng.shuffle(preds)
        args = {1: "(x)", 2: "(x, y)"}
        decl = "Predicates: " + ", ".join(p + args[SIGS[p]] for p in preds)
        out.append(
            phrase(rng, "nl2lambda-geoquery", "lambda", q[0].upper() + q[1:] + "?", LANGS, lf, SOURCE, decl)
        )
    return out
