"""NL→SPARQL over a generated knowledge graph (people, cities, countries, organisations); every
gold query is parsed by ``rdflib`` and run on the graph, and must return a result. Symbol-Evol
renames the declared properties and classes."""

from __future__ import annotations

import functools
import random
from typing import Any

from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import Draft, phrase, pick

LANGS = ("a SPARQL query", "SPARQL", "a SPARQL 1.1 query", "a graph query in SPARQL")
SOURCE = "generated:sparql-kg"
NS = "http://example.org/"
RES = "http://example.org/resource/"
PREFIX = f"PREFIX ex: <{NS}>\nPREFIX res: <{RES}>"
PEOPLE = ("alice", "bruno", "chen", "dana", "emil", "farah", "goran", "hana", "ivo", "jun", "kira", "luis", "mina",
          "nils", "olga", "priya", "quinn", "rosa", "sami", "tess", "uma", "viktor", "wen", "yara", "aziz", "bea",
          "carlos", "dmitri", "elif", "femi", "greta", "hiro", "ines", "jonas", "kofi", "lena")  # fmt: skip
CITIES = {"paris": "france", "lyon": "france", "lima": "peru", "cusco": "peru", "oslo": "norway", "bergen": "norway",
          "cairo": "egypt", "delhi": "india", "mumbai": "india", "rome": "italy", "milan": "italy", "seoul": "korea"}  # fmt: skip
ORGS = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell")
CLASSES = ("ex:Person", "ex:City", "ex:Country", "ex:Organisation")
PROPS = (
    "ex:bornIn",
    "ex:worksFor",
    "ex:age",
    "ex:knows",
    "ex:locatedIn",
    "ex:population",
    "ex:headquarteredIn",
    "ex:foundedIn",
)


@functools.cache
def graph(seed: int = 7) -> Any:
    """The knowledge graph (deterministic from ``seed``)."""
    from rdflib import RDF, Graph, Literal, Namespace

    ex, res = Namespace(NS), Namespace(RES)
    rng = random.Random(seed)
    g = Graph()
    for c, country in CITIES.items():
        g.add((res[c], RDF.type, ex.City))
        g.add((res[c], ex.locatedIn, res[country]))
        g.add((res[country], RDF.type, ex.Country))
        g.add((res[c], ex.population, Literal(rng.randint(100, 20000) * 1000)))
    for o in ORGS:
        g.add((res[o], RDF.type, ex.Organisation))
        g.add((res[o], ex.headquarteredIn, res[rng.choice(list(CITIES))]))
        g.add((res[o], ex.foundedIn, Literal(rng.randint(1900, 2015))))
    for p in PEOPLE:
        g.add((res[p], RDF.type, ex.Person))
        g.add((res[p], ex.bornIn, res[rng.choice(list(CITIES))]))
        g.add((res[p], ex.worksFor, res[rng.choice(ORGS)]))
        g.add((res[p], ex.age, Literal(rng.randint(20, 70))))
        for q in rng.sample(PEOPLE, 3):
            if q != p:
                g.add((res[p], ex.knows, res[q]))
    return g


def _lookup(rng: random.Random) -> tuple[str, str]:
    p, c, o = rng.choice(PEOPLE), rng.choice(list(CITIES)), rng.choice(ORGS)
    country, k = rng.choice(sorted(set(CITIES.values()))), rng.randint(25, 60)
    P, C, Og, K = p.capitalize(), c.capitalize(), o.capitalize(), country.capitalize()
    form = rng.randrange(9)
    if form in (7, 8):
        return _lookup_filter(rng, form)
    if form == 0:
        return pick(
            rng,
            (
                "Who was born in {C}?",
                "List the people whose birthplace is {C}.",
                "Which persons come from {C}?",
            ),
            C=C,
        ), f"SELECT ?p WHERE {{ ?p a ex:Person ; ex:bornIn res:{c} . }}"
    if form == 1:
        return pick(
            rng, ("Which people work for {O}?", "Who is employed by {O}?", "List the employees of {O}."), O=Og
        ), f"SELECT ?p WHERE {{ ?p ex:worksFor res:{o} . }}"
    if form == 2:
        return pick(
            rng,
            ("In which country is {C}?", "What country is {C} located in?", "Give the country of {C}."),
            C=C,
        ), f"SELECT ?c WHERE {{ res:{c} ex:locatedIn ?c . }}"
    if form == 3:
        return pick(
            rng,
            (
                "Which people are older than {k}?",
                "Who is over {k} years old?",
                "List persons with an age above {k}.",
            ),
            k=k,
        ), f"SELECT ?p WHERE {{ ?p ex:age ?a . FILTER(?a > {k}) }}"
    if form == 4:
        return pick(
            rng,
            (
                "Where is the employer of {P} headquartered?",
                "In which city is {P}'s organisation based?",
                "Find the headquarters city of the company {P} works for.",
            ),
            P=P,
        ), f"SELECT ?c WHERE {{ res:{p} ex:worksFor ?o . ?o ex:headquarteredIn ?c . }}"
    if form == 5:
        return pick(
            rng,
            ("Who knows {P}?", "Which people know {P}?", "List everyone who is acquainted with {P}."),
            P=P,
        ), f"SELECT ?p WHERE {{ ?p ex:knows res:{p} . }}"
    return pick(
        rng,
        (
            "Which people were born in a city in {K}?",
            "Who was born somewhere in {K}?",
            "List persons born in {K}.",
        ),
        K=K,
    ), f"SELECT ?p WHERE {{ ?p ex:bornIn ?c . ?c ex:locatedIn res:{country} . }}"


def _lookup_filter(rng: random.Random, form: int) -> tuple[str, str]:
    """The numeric-filter forms of :func:`_lookup` (7: city population, 8: founding year)."""
    if form == 7:
        n = rng.randint(2, 150) * 100_000
        return pick(
            rng,
            (
                "Which cities have more than {n} inhabitants?",
                "List cities whose population exceeds {n}.",
                "Find every city with a population above {n}.",
            ),
            n=n,
        ), f"SELECT ?c WHERE {{ ?c a ex:City ; ex:population ?n . FILTER(?n > {n}) }}"
    y = rng.randint(1900, 2010)
    return pick(
        rng,
        (
            "Which organisations were founded after {y}?",
            "List companies founded later than {y}.",
            "Find organisations whose founding year is after {y}.",
        ),
        y=y,
    ), f"SELECT ?o WHERE {{ ?o a ex:Organisation ; ex:foundedIn ?y . FILTER(?y > {y}) }}"


def _aggregate(rng: random.Random) -> tuple[str, str]:
    p, c, o = rng.choice(PEOPLE), rng.choice(list(CITIES)), rng.choice(ORGS)
    country, k = rng.choice(sorted(set(CITIES.values()))), rng.randint(2, 5)
    P, C, Og, K = p.capitalize(), c.capitalize(), o.capitalize(), country.capitalize()
    form = rng.randrange(8)
    if form in (6, 7):
        return _aggregate_employer(rng, form, c, o)
    if form == 0:
        return pick(
            rng,
            (
                "How many people work for {O}?",
                "Count the employees of {O}.",
                "What is the number of people at {O}?",
            ),
            O=Og,
        ), f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p ex:worksFor res:{o} . }}"
    if form == 1:
        return pick(
            rng,
            ("Was {P} born in {C}?", "Is {C} the birthplace of {P}?", "Check whether {P} comes from {C}."),
            P=P,
            C=C,
        ), f"ASK {{ res:{p} ex:bornIn res:{c} . }}"
    if form == 2:
        return pick(
            rng,
            (
                "Which {k} cities have the largest population?",
                "List the {k} most populous cities.",
                "Give the top {k} cities by population.",
            ),
            k=k,
        ), f"SELECT ?c WHERE {{ ?c ex:population ?n . }} ORDER BY DESC(?n) LIMIT {k}"
    if form == 3:
        return pick(
            rng,
            (
                "What is the average age of people working for {O}?",
                "Mean age of {O}'s employees?",
                "Compute the average age of the staff of {O}.",
            ),
            O=Og,
        ), f"SELECT (AVG(?a) AS ?avg) WHERE {{ ?p ex:worksFor res:{o} ; ex:age ?a . }}"
    if form == 4:
        return pick(
            rng,
            (
                "How many cities are in {K}?",
                "Count the cities located in {K}.",
                "What number of cities does {K} have?",
            ),
            K=K,
        ), f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c ex:locatedIn res:{country} . }}"
    return pick(
        rng,
        (
            "Who is the oldest person born in {C}?",
            "Find the eldest person from {C}.",
            "Which person born in {C} has the highest age?",
        ),
        C=C,
    ), f"SELECT ?p WHERE {{ ?p ex:bornIn res:{c} ; ex:age ?a . }} ORDER BY DESC(?a) LIMIT 1"


def _aggregate_employer(rng: random.Random, form: int, c: str, o: str) -> tuple[str, str]:
    """The forms of :func:`_aggregate` about an organisation's staff (6: a count with an age
    filter, 7: an ASK about a birthplace)."""
    C, Og = c.capitalize(), o.capitalize()
    if form == 6:
        age = rng.randint(20, 60)
        return pick(
            rng,
            (
                "How many people working for {O} are older than {a}?",
                "Count {O} employees above age {a}.",
                "Number of staff at {O} with an age over {a}?",
            ),
            O=Og,
            a=age,
        ), f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p ex:worksFor res:{o} ; ex:age ?a . FILTER(?a > {age}) }}"
    return pick(
        rng,
        (
            "Does anyone born in {C} work for {O}?",
            "Is there an employee of {O} who was born in {C}?",
            "Check if {O} employs someone from {C}.",
        ),
        C=C,
        O=Og,
    ), f"ASK {{ ?p ex:bornIn res:{c} ; ex:worksFor res:{o} . }}"


def _decl(rng: random.Random, query: str) -> str:
    props = [p for p in PROPS if p in query]
    props += rng.sample([p for p in PROPS if p not in props], 2)
    rng.shuffle(props)
    classes = [c for c in CLASSES if c in query] + [rng.choice(CLASSES)]
    return f"{PREFIX}\nClasses: {', '.join(dict.fromkeys(classes))}\nProperties: {', '.join(props)}"


def _gen(task: str, make: Any, rng: random.Random, n: int) -> list[Draft]:
    from rdflib import Namespace
    from rdflib.plugins.sparql import prepareQuery

    g = graph()
    out: list[Draft] = []
    for _ in range(n):
        q, query = make(rng)
        result = g.query(prepareQuery(query, initNs={"ex": Namespace(NS), "res": Namespace(RES)}))
        if result.type == "SELECT" and not [r for r in result if any(v is not None for v in r)]:
            continue
        out.append(phrase(rng, task, "sparql", q, LANGS, query, SOURCE, _decl(rng, query)))
    return out


def gen_lookup(rng: random.Random, n: int) -> list[Draft]:
    """Entity lookups, joins and filters over the graph."""
    return _gen("nl2sparql-lookup", _lookup, rng, n)


def gen_aggregate(rng: random.Random, n: int) -> list[Draft]:
    """COUNT / AVG / ASK / ORDER BY ... LIMIT queries over the graph."""
    return _gen("nl2sparql-aggregate", _aggregate, rng, n)


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The declared properties and classes renamed (prefixes kept)."""
    from symbolcollection.declarations import declarations

    decl = declarations(sample.input)
    taken: set[str] = set()
    mapping = {}
    for term in decl.get("Properties", []) + decl.get("Classes", []):
        prefix, local = term.split(":", 1)
        mapping[term] = f"{prefix}:{fresh_name(rng, 'upper' if local[:1].isupper() else 'lower', taken)}"
    return renamed(
        sample,
        sample.instruction,
        rename_words(sample.input, mapping, r"[\w:]"),
        rename_words(sample.output, mapping, r"[\w:]"),
    )
