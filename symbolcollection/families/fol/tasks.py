"""NL→first-order logic (nltk syntax) from sentence templates over a small vocabulary; the request
declares the predicates and constants (the symbol definitions that Symbol-Evol renames)."""

from __future__ import annotations

import random

from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import Draft, phrase, pick

LANGS = ("first-order logic", "a first-order logic formula", "FOL", "a logical formula in FOL")
SOURCE = "generated:fol-templates"
NOUNS = {"Dog": "dog", "Cat": "cat", "Student": "student", "Teacher": "teacher", "Doctor": "doctor",
         "Musician": "musician", "Painter": "painter", "Farmer": "farmer", "Robot": "robot", "Bird": "bird",
         "Athlete": "athlete", "Poet": "poet"}  # fmt: skip
ADJS = {"Happy": "happy", "Tall": "tall", "Young": "young", "Smart": "smart", "Loyal": "loyal", "Green": "green",
        "Fast": "fast", "Quiet": "quiet", "Rich": "rich", "Brave": "brave", "Curious": "curious"}  # fmt: skip
RELS = {"Loves": "loves", "Admires": "admires", "Teaches": "teaches", "Knows": "knows", "Helps": "helps",
        "Fears": "fears", "Visits": "visits", "Trusts": "trusts"}  # fmt: skip
CONSTS = ("john", "mary", "alice", "bob", "tom", "eve", "zoe", "omar")


def _decl(rng: random.Random, unary: list[str], binary: list[str], consts: list[str]) -> str:
    extra = rng.sample([p for p in (*NOUNS, *ADJS) if p not in unary], 2)
    preds = [f"{p}(x)" for p in (*unary, *extra)] + [f"{r}(x, y)" for r in binary]
    rng.shuffle(preds)
    lines = ["Predicates: " + ", ".join(preds)]
    if consts:
        lines.append("Constants: " + ", ".join(consts))
    return "\n".join(lines)


def _categorical(rng: random.Random) -> tuple[str, str, list[str], list[str]]:
    n, a, b = rng.choice(list(NOUNS)), *rng.sample(list(ADJS), 2)
    N, A, B = NOUNS[n], ADJS[a], ADJS[b]
    c = rng.choice(CONSTS)
    form = rng.randrange(8)
    if form == 0:
        q = pick(
            rng,
            ("All {N}s are {A}.", "Every {N} is {A}.", "Each {N} is {A}.", "{N}s are always {A}."),
            N=N,
            A=A,
        )
        return q, f"all x.({n}(x) -> {a}(x))", [n, a], []
    if form == 1:
        q = pick(rng, ("No {N} is {A}.", "There is no {A} {N}.", "Not a single {N} is {A}."), N=N, A=A)
        return q, f"-exists x.({n}(x) & {a}(x))", [n, a], []
    if form == 2:
        q = pick(rng, ("Some {N}s are {A}.", "There is a {A} {N}.", "At least one {N} is {A}."), N=N, A=A)
        return q, f"exists x.({n}(x) & {a}(x))", [n, a], []
    if form == 3:
        q = pick(
            rng,
            ("Some {N}s are not {A}.", "There is a {N} that is not {A}.", "Not every {N} is {A}."),
            N=N,
            A=A,
        )
        return q, f"exists x.({n}(x) & -{a}(x))", [n, a], []
    if form == 4:
        q = pick(
            rng,
            ("Every {A} {N} is {B}.", "All {N}s that are {A} are also {B}.", "If a {N} is {A}, it is {B}."),
            N=N,
            A=A,
            B=B,
        )
        return q, f"all x.(({n}(x) & {a}(x)) -> {b}(x))", [n, a, b], []
    if form == 5:
        q = pick(
            rng,
            (
                "If {c} is {A}, then {c} is {B}.",
                "{C} is {B} whenever {c} is {A}.",
                "Should {c} be {A}, {c} is {B}.",
            ),
            c=c,
            C=c.capitalize(),
            A=A,
            B=B,
        )
        return q, f"({a}({c}) -> {b}({c}))", [a, b], [c]
    if form == 6:
        q = pick(
            rng,
            ("{C} is a {A} {N}.", "{C} is a {N} and is {A}.", "{C}, a {N}, is {A}."),
            C=c.capitalize(),
            N=N,
            A=A,
        )
        return q, f"({n}({c}) & {a}({c}))", [n, a], [c]
    q = pick(
        rng,
        (
            "{C} is either {A} or {B}.",
            "{C} is {A} or {B} (or both).",
            "At least one holds: {c} is {A}, or {c} is {B}.",
        ),
        C=c.capitalize(),
        c=c,
        A=A,
        B=B,
    )
    return q, f"({a}({c}) | {b}({c}))", [a, b], [c]


def _relational(rng: random.Random) -> tuple[str, str, list[str], list[str], list[str]]:
    n, m = rng.sample(list(NOUNS), 2)
    r = rng.choice(list(RELS))
    N, M, R = NOUNS[n], NOUNS[m], RELS[r]
    c, d = rng.sample(CONSTS, 2)
    form = rng.randrange(6)
    if form == 0:
        q = pick(
            rng,
            (
                "Every {N} {R} some {M}.",
                "Each {N} {R} at least one {M}.",
                "For every {N} there is a {M} it {R}.",
            ),
            N=N,
            M=M,
            R=R,
        )
        return q, f"all x.({n}(x) -> exists y.({m}(y) & {r}(x,y)))", [n, m], [r], []
    if form == 1:
        q = pick(
            rng,
            ("Some {N} {R} every {M}.", "There is a {N} who {R} all {M}s.", "At least one {N} {R} each {M}."),
            N=N,
            M=M,
            R=R,
        )
        return q, f"exists x.({n}(x) & all y.({m}(y) -> {r}(x,y)))", [n, m], [r], []
    if form == 2:
        q = pick(
            rng,
            ("{C} {R} {D}.", "It is true that {c} {R} {d}.", "{C} is someone who {R} {d}."),
            C=c.capitalize(),
            c=c,
            D=d.capitalize(),
            d=d,
            R=R,
        )
        return q, f"{r}({c},{d})", [], [r], [c, d]
    if form == 3:
        q = pick(
            rng,
            ("No {N} {R} {c}.", "{C} is {R2} by no {N}.", "There is no {N} that {R} {c}."),
            N=N,
            R=R,
            c=c,
            C=c.capitalize(),
            R2=R[:-1] + "d" if R.endswith("es") else R[:-1] + "ed",
        )
        return q, f"-exists x.({n}(x) & {r}(x,{c}))", [n], [r], [c]
    if form == 4:
        q = pick(
            rng,
            (
                "If {c} {R} {d}, then {d} {R} {c}.",
                "{D} {R} {c} provided that {c} {R} {d}.",
                "Whenever {c} {R} {d}, {d} {R} {c} too.",
            ),
            c=c,
            d=d,
            D=d.capitalize(),
            R=R,
        )
        return q, f"({r}({c},{d}) -> {r}({d},{c}))", [], [r], [c, d]
    q = pick(
        rng,
        ("{C} {R} some {M}.", "There is a {M} that {c} {R}.", "{C} {R} at least one {M}."),
        C=c.capitalize(),
        c=c,
        M=M,
        R=R,
    )
    return q, f"exists y.({m}(y) & {r}({c},y))", [m], [r], [c]


def gen_categorical(rng: random.Random, n: int) -> list[Draft]:
    """Quantified sentences over unary predicates (syllogism style)."""
    out = []
    for _ in range(n):
        q, f, unary, consts = _categorical(rng)
        out.append(
            phrase(rng, "nl2fol-categorical", "fol", q, LANGS, f, SOURCE, _decl(rng, unary, [], consts))
        )
    return out


def gen_relational(rng: random.Random, n: int) -> list[Draft]:
    """Sentences with binary relations, constants and nested quantifiers."""
    out = []
    for _ in range(n):
        q, f, unary, binary, consts = _relational(rng)
        out.append(
            phrase(rng, "nl2fol-relational", "fol", q, LANGS, f, SOURCE, _decl(rng, unary, binary, consts))
        )
    return out


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The declared predicates and constants renamed."""
    from symbolcollection.declarations import declarations, declared_predicates

    taken: set[str] = set()
    mapping = {p: fresh_name(rng, "upper", taken) for p in declared_predicates(sample.input)}
    mapping |= {c: fresh_name(rng, "lower", taken) for c in declarations(sample.input).get("Constants", [])}
    texts = (sample.instruction, sample.input, sample.output)
    return renamed(sample, *(rename_words(t, mapping) for t in texts))
