"""Abstract Meaning Representation graphs in PENMAN notation, parsed by penman.

The tasks build simple English sentences from PropBank frames with their AMR graphs; the checker
decodes a graph with ``penman`` and checks its variables; the depth is the nesting of penman's
tree. There is no execution match: exact match only.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from symbolcollection import lexing
from symbolcollection.depth import tree_depth
from symbolcollection.family import CheckFailed, Family, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, Draft, phrase, pick

# --- tasks ---------------------------------------------------------------------------------------

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


# --- checker and depth ---------------------------------------------------------------------------


def check_amr(sample: Sample) -> None:
    """Decode with ``penman``: one rooted graph, every edge from a declared variable, no variable
    declared twice, every concept non-empty."""
    import penman

    # penman logs each repair of a malformed graph ("Missing target: ...") as a warning; a broken
    # generation is reported by this check's verdict, not by a screenful of log lines
    logging.getLogger("penman").setLevel(logging.ERROR)
    graph = penman.decode(sample.output)
    if not graph.instances():
        raise CheckFailed("amr: no concept instances")
    variables = [i.source for i in graph.instances()]
    if len(set(variables)) != len(variables):
        raise CheckFailed("amr: a variable is declared twice")
    if any(not i.target for i in graph.instances()):
        raise CheckFailed("amr: an instance has no concept")
    declared = set(variables)
    for edge in graph.edges() + graph.attributes():
        if edge.source not in declared:
            raise CheckFailed(f"amr: edge from undeclared variable {edge.source}")
    if graph.top not in declared:
        raise CheckFailed("amr: the top is not a variable")


def amr_depth(text: str) -> int:
    """Nesting depth of penman's tree of the graph (a node per concept instance)."""
    import penman

    tree = penman.parse(text)

    def children(node: Any) -> list[Any]:
        if isinstance(node, tuple) and len(node) == 2 and isinstance(node[1], list):
            return [tgt for _, tgt in node[1] if isinstance(tgt, tuple)]
        return []

    return tree_depth(tree.node, children)


# --- symbols -------------------------------------------------------------------------------------

_CLASSES: dict[str, lexing.SymbolClass] = {
    "LPAREN": "punctuation",
    "RPAREN": "punctuation",
    "SLASH": "punctuation",
    "ROLE": "keyword",
}


def lex_amr(text: str) -> list[lexing.Symbol]:
    """AMR symbols by ``penman``'s lexer: roles (``:ARG0``) keywords, variables and concepts
    identifiers, other atoms (numbers, strings, ``-`` polarity, ``imperative``) literals, ``(``
    ``)`` ``/`` punctuation; ``#`` comments are trivia."""
    from penman._lexer import lex  # penman's own tokenizer (the one penman.decode reads with)

    lines = lexing.offsets(text)
    tokens = [t for t in lex(text) if t.type != "COMMENT"]
    variables = {tokens[i - 1].text for i, t in enumerate(tokens) if t.type == "SLASH" and i}
    out = []
    for i, tok in enumerate(tokens):
        start = lines[tok.lineno - 1] + tok.offset
        if tok.type == "UNEXPECTED" or text[start : start + len(tok.text)] != tok.text:
            raise lexing.LexError(f"amr: unexpected {tok.text!r} at offset {start}")
        cls = _CLASSES.get(tok.type, "literal")
        if tok.type == "SYMBOL" and (tok.text in variables or (i and tokens[i - 1].type == "SLASH")):
            cls = "identifier"
        out.append(lexing.Symbol(tok.text, cls, start, start + len(tok.text)))
    return lexing.assemble(text, out, skip=r"\s+|#[^\n]*")


FAMILY = Family(
    name="amr",
    languages=LANGS,
    tasks=(Task("nl2amr-sentences", "PropBank-frame sentence templates", GEN, gen_amr, 300),),
    check=check_amr,
    depth=amr_depth,
    infer=(Rule(50, r"^\s*\(\s*[a-z]\d*\s+/\s+[a-z][\w-]*(\s|\))"),),
    packages=("penman",),
    lex=lex_amr,
    concepts={  # AMR 1.2 guidelines (Banarescu et al. 2013; github.com/amrisi/amr-guidelines)
        "conjunction": ("and",),  # guidelines "Coordination": concept and, with :op1, :op2, ...
        "negation": (":polarity",),  # guidelines "Negation": :polarity - (its only value here)
    },
)
