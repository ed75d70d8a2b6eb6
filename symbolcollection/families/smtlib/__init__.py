"""SMT-LIB 2: constraint problems over Int and Bool constants, checked by ``z3``.

Three tasks, each stating what the gold script must give: ``nl2smt-satisfiable`` (the constraints
hold for some values: ``sat``), ``nl2smt-unsatisfiable`` (they cannot all hold: ``unsat``) and
``nl2smt-valid`` (a claim that always holds, written as its negation: ``unsat``). The request
declares the constants (``Constants: apples (Int), rain (Bool)``); Symbol-Evol renames them.

Outside the sandbox z3 only ever sees a script made of the commands in :data:`COMMANDS` (z3 also
accepts ``set-option :regular-output-channel``, which writes a file, and ``include``, which reads
one). Execution match runs in the sandbox (``smt`` jobs): the prediction's ``check-sat`` result
must equal the gold's and its assertions must be equivalent to the gold's (z3: the two
conjunctions differ in no assignment), which compares meaning, not models.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from symbolcollection.family import CheckFailed, Draft, Execution, Family, Outcome, Rule, Symbol, Task
from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, phrase

LANGS = ("SMT-LIB 2", "an SMT-LIB script", "SMT-LIB", "an SMT-LIB 2 script for z3")
SOURCE = "generated:smt-templates"
#: task -> the check-sat result its gold script must give
EXPECTED = {"nl2smt-satisfiable": "sat", "nl2smt-unsatisfiable": "unsat", "nl2smt-valid": "unsat"}
#: The only top-level commands a script may hold (anything else is refused before z3 reads it).
DECLARATIONS = ("declare-const", "declare-fun", "declare-sort", "define-fun", "define-sort")
COMMANDS = frozenset({*DECLARATIONS, "set-logic", "set-info", "assert", "check-sat", "get-model", "exit"})
Z3_TIMEOUT_MS = 2000
INTS = ("apples", "pears", "coins", "tickets", "chairs", "boxes", "guests", "books", "lamps", "seats")
#: Bool constant -> a phrase that holds the constant's name as a word (so renaming reaches it)
BOOLS = {
    "rain": "there is rain",
    "open": "the shop is open",
    "late": "the train is late",
    "cold": "the weather is cold",
    "busy": "the line is busy",
}

# --- tokens and s-expressions -------------------------------------------------------------------

#: token class, pattern (first match wins); ``space`` and ``comment`` are not symbols
_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<comment>;[^\n]*)|(?P<open>\()|(?P<close>\))"
    r'|(?P<string>"(?:[^"]|"")*")|(?P<quoted>\|[^|]*\|)|(?P<keyword>:[^\s()";|]+)'
    r"|(?P<number>#x[0-9A-Fa-f]+|#b[01]+|\d+(?:\.\d+)?(?![^\s()\";|]))|(?P<symbol>[^\s()\";|]+)"
    r"|(?P<other>.)",
    re.S,
)
RESERVED = frozenset({"let", "forall", "exists", "as", "!", "par", "match", "_"})
SORTS = frozenset({"Int", "Bool", "Real", "Array", "BitVec", "String"})
_LOGIC = ("and", "or", "not", "=>", "xor", "=", "distinct", "ite")
_ARITH = ("+", "-", "*", "/", "div", "mod", "abs", "<", "<=", ">", ">=", "to_real", "to_int")
OPERATORS = frozenset({*_LOGIC, *_ARITH, "select", "store"})
LITERALS = frozenset({"true", "false"})


def _classify(kind: str, text: str) -> str:
    if kind in ("open", "close", "other"):
        return "punctuation"
    if kind in ("string", "number") or text in LITERALS:
        return "literal"
    if kind == "keyword" or text in COMMANDS or text in RESERVED or text in SORTS:
        return "keyword"
    return "operator" if text in OPERATORS else "identifier"


def lex(text: str) -> list[Symbol]:
    """The symbols of an SMT-LIB script in order, with character spans and a class: commands,
    binders, sorts and ``:keywords`` are keywords; ``and``, ``=>``, ``+``, ``<=`` … operators;
    numerals, strings, ``true``/``false`` literals; brackets punctuation; every other symbol an
    identifier. Whitespace and ``;`` comments lie between symbols."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind not in ("space", "comment"):
            out.append(Symbol(m.group(), _classify(kind, m.group()), m.start(), m.end()))
    return out


def read(text: str) -> list[Any]:
    """The top-level s-expressions of ``text`` (an atom is its string, a list a Python list).

    Raises :class:`CheckFailed` on unbalanced brackets."""
    stack: list[list[Any]] = [[]]
    for sym in lex(text):
        if sym.text == "(":
            stack.append([])
        elif sym.text == ")":
            if len(stack) == 1:
                raise CheckFailed(f"smtlib: unexpected ')' at character {sym.start}")
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(sym.text)
    if len(stack) != 1:
        raise CheckFailed("smtlib: unbalanced brackets (a '(' is never closed)")
    return stack[0]


def _render(expr: Any) -> str:
    return "(" + " ".join(_render(e) for e in expr) + ")" if isinstance(expr, list) else str(expr)


def commands(text: str) -> list[list[Any]]:
    """The script's commands, each a list headed by a command of :data:`COMMANDS`."""
    forms = read(text)
    for form in forms:
        if not isinstance(form, list) or not form or not isinstance(form[0], str):
            raise CheckFailed(f"smtlib: {_render(form)[:60]!r} is not a command")
        if form[0] not in COMMANDS:
            raise CheckFailed(f"smtlib: command '{form[0]}' is not allowed here")
    return forms


def depth(text: str) -> int:
    """Nesting depth of the script's s-expressions (an atom 1, ``(assert x)`` 2)."""

    def d(expr: Any) -> int:
        return 1 + max(map(d, expr), default=0) if isinstance(expr, list) else 1

    return max(map(d, read(text)), default=0)


def normalise(text: str) -> str:
    """Exact-match form: the symbols joined by single spaces (whitespace and comments ignored)."""
    return " ".join(s.text for s in lex(text))


# --- checking -----------------------------------------------------------------------------------


def declared(text: str) -> dict[str, str]:
    """``{name: sort}`` of a request's ``Constants: apples (Int), rain (Bool)`` line."""
    m = re.search(r"^Constants:\s*(.*)$", text, re.M)
    return dict(re.findall(r"([^\s,()]+) \((\w+)\)", m.group(1))) if m else {}


def solve(text: str, timeout_ms: int = Z3_TIMEOUT_MS) -> str:
    """z3's ``check-sat`` result (``sat``, ``unsat`` or ``unknown``) for a script of allowed commands."""
    import z3

    commands(text)
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    try:
        solver.from_string(text)
    except z3.Z3Exception as err:
        msg = err.value.decode() if isinstance(err.value, bytes) else str(err.value)
        raise CheckFailed(f"smtlib: z3: {' '.join(msg.split())[:160]}") from None
    return str(solver.check())


def parses(text: str) -> bool:
    """Whether z3 reads ``text`` as a script of allowed commands (without solving it)."""
    import z3

    try:
        commands(text)
        z3.Solver().from_string(text)
    except (CheckFailed, z3.Z3Exception):
        return False
    return True


def check(sample: Sample) -> None:
    """Allowed commands only, declared constants as the request declares them, one ``check-sat``,
    and z3's result is the one the task states (``sat`` or ``unsat``; any result for another task)."""
    forms = commands(sample.output)
    decl = declared(sample.input)
    for form in forms:
        if form[0] == "declare-const" and decl and (len(form) != 3 or decl.get(form[1]) != form[2]):
            raise CheckFailed(f"smtlib: {_render(form)} does not match the request's constants")
    if sum(1 for f in forms if f[0] == "check-sat") != 1:
        raise CheckFailed("smtlib: the script must hold exactly one (check-sat)")
    got, want = solve(sample.output), EXPECTED.get(sample.task)
    if got == "unknown" or (want is not None and got != want):
        raise CheckFailed(f"smtlib: z3 says {got}, the task {sample.task} says {want or 'sat or unsat'}")


# --- execution match (sandbox ``smt`` jobs) ------------------------------------------------------


def equivalence(gold: str, pred: str) -> str:
    """A script that is ``unsat`` exactly when ``pred``'s assertions are equivalent to ``gold``'s
    (the declarations of both, then ``(assert (not (= (and gold…) (and pred…))))``)."""

    def split(text: str) -> tuple[list[str], list[str]]:
        forms = commands(text)
        decls = [_render(f) for f in forms if f[0] in DECLARATIONS]
        return decls, [_render(f[1]) for f in forms if f[0] == "assert" and len(f) == 2]

    (gd, ga), (pd, pa) = split(gold), split(pred)
    head = "\n".join(dict.fromkeys(gd + pd))
    both = f"(and true {' '.join(ga)})", f"(and true {' '.join(pa)})"
    return f"{head}\n(assert (not (= {both[0]} {both[1]})))"


def jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    """One ``smt`` job: the script itself, and its equivalence with the gold's assertions."""
    try:
        return [{"kind": "smt", "queries": [text, equivalence(sample.output, text)]}]
    except CheckFailed:
        return []


def judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """The same ``check-sat`` result as the gold, and equivalent assertions."""
    if not (pred and gold and pred[0].ok and gold[0].ok):
        return False
    return pred[0].value[0] == gold[0].value[0] and pred[0].value[1] == "unsat"


# --- Symbol-Evol ---------------------------------------------------------------------------------


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """Rename the request's constants in the request (whole words) and in the script (identifier
    symbols only)."""
    taken: set[str] = set()
    mapping = {name: fresh_name(rng, "lower", taken) for name in declared(sample.input)}
    out, last = [], 0
    for sym in lex(sample.output):
        out += [
            sample.output[last : sym.start],
            mapping.get(sym.text, sym.text) if sym.cls == "identifier" else sym.text,
        ]
        last = sym.end
    output = "".join(out) + sample.output[last:]
    texts = (rename_words(sample.instruction, mapping), rename_words(sample.input, mapping))
    return renamed(sample, *texts, output)


# --- tasks ---------------------------------------------------------------------------------------


#: Statements true of a witness, as "request phrase | SMT-LIB term" (see :func:`_witness`)
TRUE_FACTS = (
    "the number of {a} plus the number of {b} is {sum} | (= (+ {a} {b}) {sum})",
    "there are more {more} than {less} | (> {more} {less})",
    "there are at least {lo} {a} | (>= {a} {lo})",
    "there are at most {hi} {a} | (<= {a} {hi})",
    "the number of {a} is {parity} | (= (mod {a} 2) {odd})",
    "twice the number of {a} is less than {twice} | (< (* 2 {a}) {twice})",
)


def _witness(rng: random.Random, names: Sequence[str], w: dict[str, int]) -> dict[str, object]:
    """Slots of :data:`TRUE_FACTS` for two of ``names`` under the witness values ``w``."""
    a, b = rng.sample(list(names), 2)
    more, less = (a, b) if w[a] > w[b] else (b, a)
    return dict(
        a=a,
        b=b,
        more=more,
        less=less,
        sum=w[a] + w[b],
        lo=max(0, w[a] - rng.randint(0, 3)),
        hi=w[a] + rng.randint(0, 3),
        parity="odd" if w[a] % 2 else "even",
        odd=w[a] % 2,
        twice=2 * w[a] + rng.randint(1, 4),
    )


def _true_facts(rng: random.Random, names: Sequence[str], w: dict[str, int], n: int) -> list[tuple[str, str]]:
    """``n`` statements true of ``w`` (never "more" between equal values)."""
    out = []
    while len(out) < n:
        slots, template = _witness(rng, names, w), rng.choice(TRUE_FACTS)
        if "{more}" not in template or w[slots["more"]] != w[slots["less"]]:
            out.append(_fill(template, slots))
    return out


def _bool_fact(rng: random.Random, p: str, a: str, w: dict[str, int], holds: bool) -> list[tuple[str, str]]:
    v = w[a] - rng.randint(0, 2) if holds else w[a] + rng.randint(1, 3)
    rule = (f"if {BOOLS[p]}, there are at least {v} {a}", f"(=> {p} (>= {a} {v}))")
    fact = (BOOLS[p], p) if holds else (f"it is not the case that {BOOLS[p]}", f"(not {p})")
    return [rule, fact]


#: Requirements that cannot all hold, as "request phrase | SMT-LIB term" (Int constants {a} {b} {c},
#: a Bool constant {p} written as its phrase {P}, numbers {v} and {odd} = 2v + 1)
CONTRADICTIONS = (
    (
        "the number of {a} plus the number of {b} is {v} | (= (+ {a} {b}) {v})",
        "there are more than {v} {a} | (> {a} {v})",
        "the number of {b} is not negative | (>= {b} 0)",
    ),
    (
        "there are more {a} than {b} | (> {a} {b})",
        "there are more {b} than {c} | (> {b} {c})",
        "there are more {c} than {a} | (> {c} {a})",
    ),
    ("the number of {a} is even | (= (mod {a} 2) 0)", "there are exactly {odd} {a} | (= {a} {odd})"),
    (
        "if {P}, there are more than {v} {a} | (=> {p} (> {a} {v}))",
        "{P} | {p}",
        "there are at most {v} {a} | (<= {a} {v})",
    ),
)
#: Claims that hold for all values (also Bool constants {q}/{Q}, numbers {k}, {v1} = v + 1, {vk} = v + k)
CLAIMS = (
    "if there are more {a} than {b} and more {b} than {c}, there are more {a} than {c}"
    " | (=> (and (> {a} {b}) (> {b} {c})) (> {a} {c}))",
    "if there are at most as many {a} as {b}, then {a} plus {k} is at most {b} plus {k}"
    " | (=> (<= {a} {b}) (<= (+ {a} {k}) (+ {b} {k})))",
    "if there are more than {v} {a}, there are at least {v1} {a} | (=> (> {a} {v}) (>= {a} {v1}))",
    "if there are at least {v} {a} and at least {k} {b}, the number of {a} plus the number of {b} is at"
    " least {vk} | (=> (and (>= {a} {v}) (>= {b} {k})) (>= (+ {a} {b}) {vk}))",
    "if the number of {a} is even, the number of {a} plus 2 is even | (=> (= (mod {a} 2) 0) (= (mod (+ {a} 2) 2) 0))",
    "if {P} whenever {Q}, and {Q}, then {P} | (=> (and (=> {q} {p}) {q}) {p})",
    "if {Q} implies {P}, then the opposite of {P} implies the opposite of {Q} | (=> (=> {q} {p}) (=> (not {p}) (not {q})))",
)


def _slots(rng: random.Random) -> dict[str, object]:
    a, b, c = rng.sample(INTS, 3)
    p, q = rng.sample(list(BOOLS), 2)
    v, k = rng.randint(2, 12), rng.randint(1, 9)
    return dict(a=a, b=b, c=c, p=p, q=q, P=BOOLS[p], Q=BOOLS[q], v=v, k=k, v1=v + 1, vk=v + k, odd=2 * v + 1)


def _fill(template: str, slots: dict[str, object]) -> tuple[str, str]:
    """(request phrase, SMT-LIB term) of a ``"phrase | term"`` template."""
    text, term = template.format(**slots).split(" | ")
    return text, term


def _script(consts: dict[str, str], asserts: Sequence[str]) -> str:
    lines = [f"(declare-const {n} {s})" for n, s in consts.items()]
    return "\n".join([*lines, *(f"(assert {t})" for t in asserts), "(check-sat)"])


def _used(names: dict[str, str], terms: Sequence[str]) -> dict[str, str]:
    text = " ".join(terms)
    return {n: s for n, s in names.items() if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)}


def _draft(rng: random.Random, task: str, q: str, terms: Sequence[str]) -> Draft:
    sorts = {n: "Int" for n in INTS} | {p: "Bool" for p in BOOLS}
    consts = _used(sorts, terms)
    decl = "Constants: " + ", ".join(f"{n} ({s})" for n, s in consts.items())
    return phrase(rng, task, "smtlib", q, LANGS, _script(consts, terms), SOURCE, decl)


def gen_satisfiable(rng: random.Random, n: int) -> list[Draft]:
    """Constraints that hold for a hidden witness: the gold is ``sat``."""
    out = []
    for _ in range(n):
        names = rng.sample(INTS, rng.randint(2, 3))
        w = {a: rng.randint(0, 20) for a in names}
        facts = _true_facts(rng, names, w, rng.randint(2, 3))
        if rng.random() < 0.4:
            facts += _bool_fact(rng, rng.choice(list(BOOLS)), rng.choice(names), w, rng.random() < 0.5)
        q = "Find values for which all of this holds: " + "; ".join(f for f, _ in facts)
        out.append(_draft(rng, "nl2smt-satisfiable", q, [t for _, t in facts]))
    return out


def gen_unsatisfiable(rng: random.Random, n: int) -> list[Draft]:
    """Requirements that contradict each other (plus true ones): the gold is ``unsat``."""
    out = []
    for _ in range(n):
        names = rng.sample(INTS, 3)
        w = {a: rng.randint(0, 20) for a in names}
        facts = _true_facts(rng, names, w, rng.randint(0, 1))
        slots = _slots(rng) | dict(zip("abc", names, strict=True))
        facts += [_fill(t, slots) for t in rng.choice(CONTRADICTIONS)]
        rng.shuffle(facts)
        q = "Check whether these requirements can all hold: " + "; ".join(f for f, _ in facts)
        out.append(_draft(rng, "nl2smt-unsatisfiable", q, [t for _, t in facts]))
    return out


def gen_valid(rng: random.Random, n: int) -> list[Draft]:
    """A claim that holds for all values, proved by refuting its negation: the gold is ``unsat``."""
    out = []
    for _ in range(n):
        text, term = _fill(rng.choice(CLAIMS), _slots(rng))
        request = f"Prove that for all values, {text}"
        out.append(_draft(rng, "nl2smt-valid", request, [f"(not {term})"]))
    return out


FAMILY = Family(
    name="smtlib",
    languages=LANGS,
    tasks=(
        Task("nl2smt-satisfiable", SOURCE, GEN, gen_satisfiable, 150),
        Task("nl2smt-unsatisfiable", SOURCE, GEN, gen_unsatisfiable, 120),
        Task("nl2smt-valid", SOURCE, GEN, gen_valid, 120),
    ),
    check=check,
    exact=normalise,
    exact_rule="SMT-LIB symbols joined by single spaces (whitespace and comments ignored)",
    execution=Execution(
        "z3 in the sandbox: same check-sat result as the gold and equivalent assertions", judge, jobs
    ),
    parses=parses,
    evolve=evolve,
    depth=depth,
    infer=(
        Rule(25, r"(?m)^\s*\((declare-const|declare-fun|check-sat|set-logic)\b"),
        Rule(65, r"(?i)\bSMT-?LIB\b", "instruction"),
    ),
    packages=("z3-solver",),
    lex=lex,
)
