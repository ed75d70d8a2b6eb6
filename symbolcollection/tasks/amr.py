"""NL→AMR (PENMAN notation) for simple English sentences built from PropBank frames."""

from __future__ import annotations

import random

from symbolcollection.tasks.base import Draft, phrase, pick

LANGS = ("an AMR graph", "Abstract Meaning Representation", "AMR in PENMAN notation", "an AMR")
SOURCE = "generated:amr-templates"
AGENTS = ("boy", "girl", "teacher", "doctor", "farmer", "child", "nurse", "pilot", "writer", "soldier")
OBJECTS = ("book", "apple", "door", "car", "letter", "house", "song", "window", "map", "bridge")
PLACES = ("park", "city", "school", "garden", "market", "station")
ADJS = ("old", "young", "tall", "happy", "tired", "clever")
#: frame -> (3rd-person present, bare infinitive)
VERBS = {"read-01": ("reads", "read"), "eat-01": ("eats", "eat"), "see-01": ("sees", "see"), "buy-01": ("buys", "buy"),
         "like-01": ("likes", "like"), "open-01": ("opens", "open"), "find-01": ("finds", "find"),
         "write-01": ("writes", "write"), "wash-01": ("washes", "wash"), "paint-02": ("paints", "paint")}  # fmt: skip


class _Vars:
    """Allocate AMR variables: first letter of the concept, numbered on clashes."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, concept: str) -> str:
        base = concept[0]
        v, i = base, 2
        while v in self.used:
            v, i = f"{base}{i}", i + 1
        self.used.add(v)
        return v


def _form(rng: random.Random) -> tuple[str, str]:
    a, b = rng.sample(AGENTS, 2)
    o = rng.choice(OBJECTS)
    frame = rng.choice(list(VERBS))
    pres, inf = VERBS[frame]
    V = _Vars()
    va, vo, vf = V(a), V(o), V(frame)
    form = rng.randrange(7)
    if form == 0:
        q = pick(rng, ("The {a} {p} the {o}.", "A {a} {p} the {o}."), a=a, p=pres, o=o)
        return q, f"({vf} / {frame} :ARG0 ({va} / {a}) :ARG1 ({vo} / {o}))"
    if form == 1:
        q = pick(rng, ("The {a} does not {i} the {o}.", "The {a} doesn't {i} the {o}."), a=a, i=inf, o=o)
        return q, f"({vf} / {frame} :polarity - :ARG0 ({va} / {a}) :ARG1 ({vo} / {o}))"
    if form == 2:
        vw = V("want-01")
        q = pick(
            rng, ("The {a} wants to {i} the {o}.", "The {a} would like to {i} the {o}."), a=a, i=inf, o=o
        )
        return q, f"({vw} / want-01 :ARG0 ({va} / {a}) :ARG1 ({vf} / {frame} :ARG0 {va} :ARG1 ({vo} / {o})))"
    if form == 3:
        adj = rng.choice(ADJS)
        vj = V(adj)
        q = pick(rng, ("The {j} {a} {p} the {o}.", "A {j} {a} {p} the {o}."), j=adj, a=a, p=pres, o=o)
        return q, f"({vf} / {frame} :ARG0 ({va} / {a} :mod ({vj} / {adj})) :ARG1 ({vo} / {o}))"
    if form == 4:
        pl = rng.choice(PLACES)
        vp = V(pl)
        q = pick(
            rng,
            ("The {a} {p} the {o} in the {l}.", "In the {l}, the {a} {p} the {o}."),
            a=a,
            p=pres,
            o=o,
            l=pl,
        )
        return q, f"({vf} / {frame} :ARG0 ({va} / {a}) :ARG1 ({vo} / {o}) :location ({vp} / {pl}))"
    if form == 5:
        vb, vbel = V(b), V("believe-01")
        q = pick(
            rng,
            ("The {b} believes that the {a} {p} the {o}.", "The {b} thinks the {a} {p} the {o}."),
            b=b,
            a=a,
            p=pres,
            o=o,
        )
        return (
            q,
            f"({vbel} / believe-01 :ARG0 ({vb} / {b}) :ARG1 ({vf} / {frame} :ARG0 ({va} / {a}) :ARG1 ({vo} / {o})))",
        )
    vb, vand = V(b), V("and")
    q = pick(
        rng,
        ("The {a} and the {b} {i} the {o}.", "Both the {a} and the {b} {i} the {o}."),
        a=a,
        b=b,
        i=inf,
        o=o,
    )
    return q, f"({vf} / {frame} :ARG0 ({vand} / and :op1 ({va} / {a}) :op2 ({vb} / {b})) :ARG1 ({vo} / {o}))"


def gen_amr(rng: random.Random, n: int) -> list[Draft]:
    """Simple sentences (negation, control, modifiers, location, belief, coordination) with AMRs."""
    out = []
    for _ in range(n):
        q, g = _form(rng)
        request = pick(
            rng, ('Sentence: "{q}"', 'Represent the meaning of "{q}"', "Parse this sentence: {q}"), q=q
        )
        out.append(phrase(rng, "nl2amr-sentences", "amr", request, LANGS, g, SOURCE))
    return out
