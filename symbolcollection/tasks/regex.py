"""NL→regular expression (KB13 / NL-Turk style) composed from character-class primitives; the
input carries positive and negative examples that the regex must fully match or reject."""

from __future__ import annotations

import json
import random
import re
import string

from symbolcollection.tasks.base import Draft, phrase, pick

LANGS = ("a regular expression", "a Python regex", "a regex", "a regular expression pattern")
SOURCE = "generated:regex-compositional"
#: (english, regex, alphabet for sampling)
CLASSES = (
    ("digits", "[0-9]", string.digits),
    ("lowercase letters", "[a-z]", string.ascii_lowercase),
    ("uppercase letters", "[A-Z]", string.ascii_uppercase),
    ("vowels", "[aeiou]", "aeiou"),
    ("letters", "[A-Za-z]", string.ascii_letters),
    ("hexadecimal digits", "[0-9a-f]", "0123456789abcdef"),
)
WORDS = ("cat", "dog", "sun", "data", "log", "ab", "xyz", "net", "id")


def _count(rng: random.Random) -> tuple[str, str, int, int]:
    kind = rng.randrange(4)
    k = rng.randint(2, 5)
    if kind == 0:
        return f"exactly {k}", f"{{{k}}}", k, k
    if kind == 1:
        return f"at least {k}", f"{{{k},}}", k, k + 3
    if kind == 2:
        return "one or more", "+", 1, 4
    lo = rng.randint(1, 3)
    return f"between {lo} and {lo + 2}", f"{{{lo},{lo + 2}}}", lo, lo + 2


def _form(rng: random.Random) -> tuple[str, str, list[str]]:
    (cn, cr, ca), (dn, dr, da) = rng.sample(CLASSES, 2)
    cw, cq, lo, hi = _count(rng)
    w = rng.choice(WORDS)
    form = rng.randrange(6)

    def run(alpha: str, a: int, b: int) -> str:
        return "".join(rng.choice(alpha) for _ in range(rng.randint(a, b)))

    if form == 0:
        q = pick(
            rng,
            (
                "strings made of {c} {n}",
                "a string that consists of {c} {n} and nothing else",
                "lines containing only {n}, {c} of them",
            ),
            c=cw,
            n=cn,
        )
        return q, f"{cr}{cq}", [run(ca, lo, hi) for _ in range(3)]
    if form == 1:
        q = pick(
            rng,
            (
                "strings that start with the word '{w}' followed by {c} {n}",
                "'{w}' and then {c} {n}",
                "the text '{w}' immediately followed by {c} {n}",
            ),
            w=w,
            c=cw,
            n=cn,
        )
        return q, f"{w}{cr}{cq}", [w + run(ca, lo, hi) for _ in range(3)]
    if form == 2:
        q = pick(
            rng,
            (
                "{c} {n} followed by one or more {m}",
                "a run of {c} {n}, then some {m}",
                "strings of {c} {n} and after them at least one of the {m}",
            ),
            c=cw,
            n=cn,
            m=dn,
        )
        return q, f"{cr}{cq}{dr}+", [run(ca, lo, hi) + run(da, 1, 3) for _ in range(3)]
    if form == 3:
        q = pick(
            rng,
            (
                "strings ending in '{w}' preceded by {c} {n}",
                "{c} {n} and then the suffix '{w}'",
                "text with {c} {n} that ends with '{w}'",
            ),
            w=w,
            c=cw,
            n=cn,
        )
        return q, f"{cr}{cq}{w}", [run(ca, lo, hi) + w for _ in range(3)]
    if form == 4:
        q = pick(
            rng,
            (
                "either the word '{w}' or {c} {n}",
                "'{w}', or alternatively {c} {n}",
                "strings that are '{w}' or consist of {c} {n}",
            ),
            w=w,
            c=cw,
            n=cn,
        )
        return q, f"{w}|{cr}{cq}", [w, run(ca, lo, hi), run(ca, lo, hi)]
    sep = rng.choice(("-", "_", "."))
    q = pick(
        rng,
        (
            "{c} {n}, a '{s}', then {c} {n} again",
            "two groups of {c} {n} separated by '{s}'",
            "{c} {n} joined by '{s}' to {c} more {n}",
        ),
        c=cw,
        n=cn,
        s=sep,
    )
    return q, f"{cr}{cq}{re.escape(sep)}{cr}{cq}", [run(ca, lo, hi) + sep + run(ca, lo, hi) for _ in range(3)]


def _negatives(rng: random.Random, pattern: re.Pattern[str], positives: list[str]) -> list[str]:
    pool = string.ascii_letters + string.digits + "-_."
    out: list[str] = []
    for p in positives:
        for cand in (p + rng.choice(pool), p[:-1], rng.choice(pool) + p, "".join(rng.sample(pool, 4))):
            if cand and not pattern.fullmatch(cand) and cand not in out:
                out.append(cand)
                break
    return out[:3]


def gen_regex(rng: random.Random, n: int) -> list[Draft]:
    """Compositional regex descriptions with 3 positive and up to 3 negative examples each."""
    out = []
    for _ in range(n):
        q, rx, pos = _form(rng)
        pattern = re.compile(rx)
        neg = _negatives(rng, pattern, pos)
        lines = [f"should match: {json.dumps(p)}" for p in pos] + [
            f"should not match: {json.dumps(s)}" for s in neg
        ]
        request = pick(rng, ("Match {q}.", "Write a pattern for {q}.", "I need to recognise {q}."), q=q)
        out.append(
            phrase(rng, "nl2regex-compositional", "regex", request, LANGS, rx, SOURCE, "\n".join(lines))
        )
    return out
