"""Answer set programming (clingo): rules over given facts whose answer sets are fixed.

The request's input holds the facts as an ASP program under a header naming the given and the
wanted predicates (``% input: edge/2, start/1`` / ``% output: reach/1``); the answer is the whole
program, the facts restated and the rules (rules alone would be the same text for every sample of
a task). The program run is the input followed by the answer. Three tasks: reachability in a directed
graph, graph colouring and scheduling with conflicts, order and capacities. The checker grounds
and solves the program with clingo and compares its answer sets, projected on the ``output``
predicates, with the ones a plain-Python reference computes from the facts (by the predicates'
places in the header, so Symbol-Evol's renaming keeps it working).

Outside the sandbox clingo never sees a directive other than :data:`DIRECTIVES` (``#include``
reads files, ``#script`` runs code) nor an external call (``@f``). Execution match runs in the
sandbox (``asp`` jobs): the set of answer sets projected on the output predicates.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable, Sequence
from typing import Any

from symbolcollection.family import CheckFailed, Draft, Execution, Family, Outcome, Rule, Symbol, Task
from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, phrase

LANGS = ("ASP", "answer set programming (clingo)", "an ASP program", "clingo rules")
SOURCE = "generated:asp-templates"
#: The only directives a program may hold (anything else is refused before clingo reads it).
_ALLOWED = ("show", "count", "sum", "min", "max", "minimize", "maximize", "const", "defined")
DIRECTIVES = frozenset(f"#{d}" for d in (*_ALLOWED, "inf", "sup", "true", "false"))
#: Answer sets enumerated at most (more: the comparison is incomplete and fails).
MAX_MODELS = 200
Atoms = frozenset[str]

# --- tokens -------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<comment>%\*.*?\*%|%[^\n]*)|(?P<string>\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<number>\d+)|(?P<directive>#[a-z]+)|(?P<name>_*[A-Za-z]['\w]*|_)"
    r"|(?P<operator>:-|:~|\.\.|!=|<=|>=|==|\*\*|[=<>+\-*/\\|@&?^~])|(?P<punct>[(){}\[\],;:.])|(?P<other>.)",
    re.S,
)
LITERAL_DIRECTIVES = frozenset({"#inf", "#sup", "#true", "#false"})


def lex(text: str) -> list[Symbol]:
    """The symbols of an ASP program in order, with character spans and a class: ``not`` and
    directives (``#show``, ``#count`` …) are keywords; ``:-``, comparisons, arithmetic and ``..``
    operators; numbers, strings, ``#inf``/``#sup``/``#true``/``#false`` literals; brackets and
    ``, ; : .`` punctuation; predicate, constant and variable names identifiers. Whitespace and
    ``%`` comments lie between symbols."""
    out = []
    for m in _TOKEN.finditer(text):
        kind, word = m.lastgroup or "other", m.group()
        if kind in ("space", "comment"):
            continue
        if kind == "directive":
            cls = "literal" if word in LITERAL_DIRECTIVES else "keyword"
        elif kind == "name":
            cls = "keyword" if word == "not" else "identifier"
        else:
            cls = {"string": "literal", "number": "literal", "operator": "operator"}.get(kind, "punctuation")
        out.append(Symbol(word, cls, m.start(), m.end()))  # type: ignore[arg-type]
    return out


def safe(text: str) -> str:
    """``text`` if it holds only allowed directives and no external call; else CheckFailed."""
    for sym in lex(text):
        if sym.text.startswith("#") and sym.text not in DIRECTIVES:
            raise CheckFailed(f"asp: directive '{sym.text}' is not allowed here")
        if sym.text == "@":
            raise CheckFailed("asp: external function calls (@) are not allowed here")
    return text


def statements(text: str) -> list[list[str]]:
    """The program's statements, each the list of its symbols' texts (ending with ``.``)."""
    out: list[list[str]] = [[]]
    for sym in lex(text):
        out[-1].append(sym.text)
        if sym.text == ".":
            out.append([])
    return [st for st in out if st]


def normalise(text: str) -> str:
    """Exact-match form: each statement's symbols joined by single spaces, statements sorted."""
    return "\n".join(sorted(" ".join(st) for st in statements(text)))


def depth(text: str) -> int:
    """Depth of clingo's syntax tree of the deepest statement (``p.`` is 4: rule, literal, atom,
    term)."""
    import clingo.ast

    statements: list[Any] = []
    clingo.ast.parse_string(safe(text), statements.append)

    def d(node: Any) -> int:
        kids = []
        for value in (getattr(node, key) for key in node.child_keys):
            kids += [value] if isinstance(value, clingo.ast.AST) else list(value or ())
        return 1 + max((d(k) for k in kids if isinstance(k, clingo.ast.AST)), default=0)

    return max((d(s) for s in statements if s.ast_type != clingo.ast.ASTType.Program), default=0)


# --- the request's header and facts -------------------------------------------------------------


def signature(text: str, part: str) -> list[tuple[str, int]]:
    """``[(name, arity)]`` of the header line ``% <part>: name/arity, …``."""
    m = re.search(rf"^%\s*{part}:\s*(.*)$", text, re.M)
    return [(n, int(a)) for n, a in re.findall(r"(\w+)/(\d+)", m.group(1))] if m else []


def facts(text: str) -> dict[str, list[tuple[str, ...]]]:
    """``{predicate: [argument tuples]}`` of the ground facts ``p(a,b).`` in ``text``."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for st in statements(text):
        if len(st) > 4 and st[1] == "(" and st[-2:] == [")", "."] and ":-" not in st:
            args = "".join(st[2:-2]).split(",")
            if all(a and a[0] not in "_ABCDEFGHIJKLMNOPQRSTUVWXYZ" for a in args):
                out.setdefault(st[0], []).append(tuple(args))
    return out


def program(sample: Sample, text: str) -> str:
    """The program run: the request's facts, then ``text``."""
    return safe(sample.input) + "\n" + safe(text)


def answer_sets(
    text: str, show: Sequence[tuple[str, int]], limit: int = MAX_MODELS
) -> tuple[set[Atoms], bool]:
    """clingo's answer sets of ``text`` projected on ``show`` (as atom strings), and whether all
    were enumerated (at most ``limit``). Raises CheckFailed when clingo rejects the program."""
    import clingo

    said: list[str] = []
    ctl = clingo.Control(["0"], logger=lambda code, msg: said.append(msg))
    sets: set[Atoms] = set()
    try:
        ctl.add("base", [], safe(text))
        ctl.ground([("base", [])])
        with ctl.solve(yield_=True) as handle:
            for n, model in enumerate(handle):
                if n >= limit:
                    return sets, False
                sets.add(
                    frozenset(str(s) for s in model.symbols(atoms=True) if (s.name, len(s.arguments)) in show)
                )
    except RuntimeError as err:
        raise CheckFailed(f"asp: clingo: {' '.join((said[0] if said else str(err)).split())[:160]}") from None
    return sets, True


def parses(text: str) -> bool:
    """Whether clingo parses ``text`` as a program of allowed directives (without grounding)."""
    import clingo.ast

    try:
        clingo.ast.parse_string(safe(text), lambda _: None, logger=lambda code, msg: None)
    except (CheckFailed, RuntimeError):
        return False
    return True


# --- references: the answer sets a request asks for, from its facts ----------------------------


def _reachable(edges: Sequence[tuple[str, ...]], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        for a, b in edges:
            if a == here and b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


def reach_reference(given: list[list[tuple[str, ...]]], out: str) -> set[Atoms]:
    """``edge/2, start/1`` -> the reachable nodes; ``node/1, edge/2, start/1`` -> the others."""
    if len(given) == 2:
        return {frozenset(f"{out}({n})" for n in _reachable(given[0], given[1][0][0]))}
    nodes, edges, start = given
    seen = _reachable(edges, start[0][0])
    return {frozenset(f"{out}({n})" for (n,) in nodes if n not in seen)}


def colour_reference(given: list[list[tuple[str, ...]]], out: str) -> set[Atoms]:
    """``node/1, edge/2, colour/1[, fixed/2]`` -> every proper colouring (respecting ``fixed``)."""
    nodes, edges, colours = ([t[0] for t in given[0]], given[1], [t[0] for t in given[2]])
    fixed = dict(given[3]) if len(given) > 3 else {}
    sets = set()
    for pick in itertools.product(colours, repeat=len(nodes)):
        col = dict(zip(nodes, pick, strict=True))
        if all(col[a] != col[b] for a, b in edges) and all(col[n] == c for n, c in fixed.items()):
            sets.add(frozenset(f"{out}({n},{c})" for n, c in col.items()))
    return sets


def schedule_reference(given: list[list[tuple[str, ...]]], out: str) -> set[Atoms]:
    """``task/1, slot/1, conflict/2, before/2[, capacity/1]`` -> every schedule that keeps them."""
    tasks, slots = [t[0] for t in given[0]], [int(t[0]) for t in given[1]]
    cap = int(given[4][0][0]) if len(given) > 4 else len(tasks)
    sets = set()
    for pick in itertools.product(slots, repeat=len(tasks)):
        at = dict(zip(tasks, pick, strict=True))
        if (
            all(at[a] != at[b] for a, b in given[2])
            and all(at[a] < at[b] for a, b in given[3])
            and max(pick.count(s) for s in slots) <= cap
        ):
            sets.add(frozenset(f"{out}({t},{s})" for t, s in at.items()))
    return sets


REFERENCES: dict[str, Callable[[list[list[tuple[str, ...]]], str], set[Atoms]]] = {
    "nl2asp-reachability": reach_reference,
    "nl2asp-colouring": colour_reference,
    "nl2asp-scheduling": schedule_reference,
}


def expected(task: str, request: str) -> set[Atoms] | None:
    """The answer sets ``request`` (an input: header and facts) asks for; ``None`` for a task
    without a reference."""
    ref, out = REFERENCES.get(task), signature(request, "output")
    if ref is None or len(out) != 1:
        return None
    table = facts(request)
    return ref([table.get(name, []) for name, _ in signature(request, "input")], out[0][0])


def check(sample: Sample) -> None:
    """The answer restates the request's facts, the program (facts + answer) grounds and has an
    answer set, and its answer sets projected on the output predicates are the ones the request
    asks for."""
    show = signature(sample.input, "output")
    got, complete = answer_sets(program(sample, sample.output), show)
    if not got:
        raise CheckFailed("asp: the program has no answer set")
    given = {name for name, _ in signature(sample.input, "input")}
    stated, written = facts(sample.input), facts(sample.output)
    if any(sorted(stated.get(p, [])) != sorted(written.get(p, [])) for p in given):
        raise CheckFailed("asp: the program's facts are not the ones the request gives")
    want = expected(sample.task, sample.input)
    if want is not None and (not complete or got != want):
        shown = ", ".join(f"{n}/{a}" for n, a in show)
        found = f"{len(got)}" if complete else f"over {MAX_MODELS}"
        raise CheckFailed(
            f"asp: the answer sets on {shown} are not the ones asked for ({found} found, {len(want)} asked)"
        )


# --- execution match (sandbox ``asp`` jobs) ------------------------------------------------------


def jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    """One ``asp`` job: the answer sets of facts + ``text`` on the output predicates."""
    try:
        text = program(sample, text)
    except CheckFailed:
        return []
    show = [list(s) for s in signature(sample.input, "output")]
    return [{"kind": "asp", "program": text, "show": show, "max_models": MAX_MODELS}]


def judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Every answer set enumerated on both sides, and the same sets."""
    if not (pred and gold and pred[0].ok and gold[0].ok):
        return False
    p, g = pred[0].value, gold[0].value
    return bool(p["complete"] and g["complete"] and g["sets"]) and p["sets"] == g["sets"]


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


FAMILY = Family(
    name="asp",
    languages=LANGS,
    tasks=(
        Task("nl2asp-reachability", SOURCE, GEN, gen_reachability, 130),
        Task("nl2asp-colouring", SOURCE, GEN, gen_colouring, 120),
        Task("nl2asp-scheduling", SOURCE, GEN, gen_scheduling, 120),
    ),
    check=check,
    exact=normalise,
    exact_rule="each statement's symbols joined by single spaces, statements sorted (comments ignored)",
    execution=Execution(
        f"clingo in the sandbox: the same answer sets on the output predicates (all, at most {MAX_MODELS})",
        judge,
        jobs,
    ),
    parses=parses,
    evolve=evolve,
    depth=depth,
    infer=(
        Rule(35, r"(?m):-[^.]*\.\s*$|^\s*#show\b"),
        Rule(75, r"(?i)\b(answer set programming|ASP|clingo)\b", "instruction"),
    ),
    packages=("clingo",),
    lex=lex,
)
