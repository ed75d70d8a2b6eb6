"""The asp family's task generators (reachability, colouring, scheduling over small generated
facts, each kept only when its reference gives 1 to 48 answer sets) and its Symbol-Evol renaming."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable, Sequence
from typing import Any

from symbolcollection.families.asp.check import expected, lex, signature
from symbolcollection.family import Draft
from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import phrase

LANGS = ("ASP", "answer set programming (clingo)", "an ASP program", "clingo rules")
SOURCE = "generated:asp-templates"

# --- Symbol-Evol ---------------------------------------------------------------------------------


def _rename(text: str, mapping: dict[str, str]) -> str:
    """``text`` with every name symbol in ``mapping`` replaced (comments and spacing kept)."""
    out, last = [], 0
    for sym in lex(text):
        out += [
            text[last : sym.start],
            mapping.get(sym.text, sym.text) if sym.cls == "identifier" else sym.text,
        ]
        last = sym.end
    return "".join(out) + text[last:]


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """Rename the header's predicates in the facts, the header, the answer (names only) and where
    the instruction writes them as predicates (``reach/1``, ``assign(X,C)``), not in its prose."""
    taken: set[str] = set()
    preds = [n for part in ("input", "output") for n, _ in signature(sample.input, part)]
    mapping = {p: fresh_name(rng, "lower", taken) for p in preds}
    given = re.sub(
        r"(?m)^%\s*(input|output):.*$",
        lambda m: rename_words(m.group(), mapping),
        _rename(sample.input, mapping),
    )
    used = re.sub(r"\b\w+(?=/\d|\()", lambda m: mapping.get(m.group(), m.group()), sample.instruction)
    return renamed(sample, used, given, _rename(sample.output, mapping))


# --- tasks ---------------------------------------------------------------------------------------

NODES = ("a", "b", "c", "d", "e", "f")
COLOURS = ("red", "green", "blue")
JOBS = ("plan", "build", "test", "ship", "review", "write")
REACH = (
    "A node is reachable if it is the start node or an edge leads to it from a reachable node. "
    "Define reach/1 for the reachable nodes.",
    "Write rules that derive reach(X) for every node X reachable from the start node along edges.",
)
UNREACH = (
    "Derive unreachable(X) for every node X that cannot be reached from the start node along edges.",
    "A node is unreachable if no path of edges leads to it from the start node. Define unreachable/1.",
)
COLOUR = (
    "Give every node exactly one colour so that the two ends of an edge differ; assign(X,C) says node X "
    "has colour C.",
    "Colour the graph: each node gets one of the colours, adjacent nodes get different ones (assign/2).",
)
SCHEDULE = (
    "Put every task in exactly one slot (at(T,S): task T runs in slot S); conflicting tasks never share "
    "a slot, and before(T,U) means T's slot number is smaller than U's.",
    "Schedule the tasks: one slot per task as at/2, no two conflicting tasks in one slot, and a task "
    "before another in an earlier slot.",
)


def _draft(
    rng: random.Random,
    task: str,
    q: str,
    given: list[tuple[str, list[tuple[Any, ...]]]],
    out: str,
    rules: Sequence[str],
) -> Draft | None:
    """The draft, if the reference gives it 1 to 48 answer sets, not just an empty one (``out`` is
    ``name/arity``)."""
    lines = ["% input: " + ", ".join(f"{name}/{len(rows[0])}" for name, rows in given), f"% output: {out}"]
    lines += [" ".join(f"{name}({','.join(map(str, r))})." for r in rows) for name, rows in given]
    request = "\n".join(lines)
    want = expected(task, request) or set()
    if not 1 <= len(want) <= 48 or want == {frozenset()}:
        return None  # too many answer sets, none, or only an empty one
    answer = "\n".join([*lines[2:], *rules, f"#show {out}."])
    q = f"{q} Write the whole program, the given facts first. Show only {out}."
    return phrase(rng, task, "asp", q, LANGS, answer, SOURCE, request)


def _drafts(make: Callable[[random.Random], Draft | None], rng: random.Random, n: int) -> list[Draft]:
    out: list[Draft] = []
    while len(out) < n:
        draft = make(rng)
        out += [draft] if draft is not None else []
    return out


def _reachability(rng: random.Random) -> Draft | None:
    nodes = list(NODES[: rng.randint(4, 6)])
    pairs = [(a, b) for a in nodes for b in nodes if a != b]
    given = [("edge", sorted(rng.sample(pairs, rng.randint(len(nodes) - 1, len(nodes) + 2))))]
    given.append(("start", [(rng.choice(nodes),)]))
    rules = ["reach(X) :- start(X).", "reach(Y) :- reach(X), edge(X,Y)."]
    if rng.random() < 0.6:
        return _draft(rng, "nl2asp-reachability", rng.choice(REACH), given, "reach/1", rules)
    rules.append("unreachable(X) :- node(X), not reach(X).")
    given.insert(0, ("node", [(x,) for x in nodes]))
    return _draft(rng, "nl2asp-reachability", rng.choice(UNREACH), given, "unreachable/1", rules)


def _colouring(rng: random.Random) -> Draft | None:
    nodes, colours = list(NODES[: rng.randint(4, 5)]), list(COLOURS[: rng.randint(2, 3)])
    edges = sorted(rng.sample(list(itertools.combinations(nodes, 2)), rng.randint(3, 6)))
    given = [("node", [(x,) for x in nodes]), ("edge", edges), ("colour", [(c,) for c in colours])]
    rules = ["1 { assign(X,C) : colour(C) } 1 :- node(X).", ":- edge(X,Y), assign(X,C), assign(Y,C)."]
    q = rng.choice(COLOUR)
    if rng.random() < 0.3:
        given.append(("fixed", [(rng.choice(nodes), rng.choice(colours))]))
        rules.append(":- fixed(X,C), not assign(X,C).")
        q += " A node X with fixed(X,C) must get colour C."
    return _draft(rng, "nl2asp-colouring", q, given, "assign/2", rules)


def _scheduling(rng: random.Random) -> Draft | None:
    tasks, slots = rng.sample(JOBS, rng.randint(3, 4)), range(1, rng.randint(2, 3) + 1)
    pairs = list(itertools.combinations(tasks, 2))
    given = [("task", [(t,) for t in tasks]), ("slot", [(s,) for s in slots])]
    given += [("conflict", rng.sample(pairs, rng.randint(1, 2))), ("before", rng.sample(pairs, 1))]
    rules = [
        "1 { at(T,S) : slot(S) } 1 :- task(T).",
        ":- conflict(T,U), at(T,S), at(U,S).",
        ":- before(T,U), at(T,S), at(U,R), S >= R.",
    ]
    q = rng.choice(SCHEDULE)
    if rng.random() < 0.4:
        given.append(("capacity", [(rng.randint(1, 2),)]))
        rules.append(":- slot(S), capacity(N), #count { T : at(T,S) } > N.")
        q += " No slot holds more tasks than capacity/1 says."
    return _draft(rng, "nl2asp-scheduling", q, given, "at/2", rules)


def gen_reachability(rng: random.Random, n: int) -> list[Draft]:
    """Reachable (or unreachable) nodes of a small directed graph: one answer set."""
    return _drafts(_reachability, rng, n)


def gen_colouring(rng: random.Random, n: int) -> list[Draft]:
    """Proper colourings of a small graph (a node's colour sometimes fixed): 1 to 48 answer sets."""
    return _drafts(_colouring, rng, n)


def gen_scheduling(rng: random.Random, n: int) -> list[Draft]:
    """Tasks in numbered slots under conflicts, an order and sometimes a capacity: 1 to 48 answer sets."""
    return _drafts(_scheduling, rng, n)
