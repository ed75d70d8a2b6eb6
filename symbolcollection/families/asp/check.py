"""The ASP language as the asp family reads it: tokens, statements, the request's header and facts,
clingo's answer sets, the plain-Python references the checker holds a gold to, and the checker.

Outside the sandbox clingo never sees a directive other than :data:`DIRECTIVES` (``#include``
reads files, ``#script`` runs code) nor an external call (``@f``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from symbolcollection.family import CheckFailed, Symbol
from symbolcollection.schema import Sample

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
