"""The smtlib family's task generators (satisfiable constraints built true of a witness,
contradictions, valid claims written as their negation) and its Symbol-Evol renaming."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from symbolcollection.families.smtlib.check import declared, lex
from symbolcollection.family import Draft
from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import phrase

LANGS = ("SMT-LIB 2", "an SMT-LIB script", "SMT-LIB", "an SMT-LIB 2 script for z3")
SOURCE = "generated:smt-templates"
INTS = ("apples", "pears", "coins", "tickets", "chairs", "boxes", "guests", "books", "lamps", "seats")
#: Bool constant -> a phrase that holds the constant's name as a word (so renaming reaches it)
BOOLS = {
    "rain": "there is rain",
    "open": "the shop is open",
    "late": "the train is late",
    "cold": "the weather is cold",
    "busy": "the line is busy",
}

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
