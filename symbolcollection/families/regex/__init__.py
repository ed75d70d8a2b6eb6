"""Regular expressions (Python's ``re``), judged on the request's positive and negative examples.

NL→regular expression (KB13 / NL-Turk style) composed from character-class primitives; the
input carries positive and negative examples that the regex must fully match or reject."""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Sequence
from typing import Any

from symbolcollection import lexing
from symbolcollection.depth import tree_depth
from symbolcollection.execution import first_ok
from symbolcollection.families.regex import kinds
from symbolcollection.family import CheckFailed, Execution, Family, Outcome, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, Draft, phrase, pick

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


def _run(rng: random.Random, alpha: str, a: int, b: int) -> str:
    """``a`` to ``b`` characters drawn from ``alpha``."""
    return "".join(rng.choice(alpha) for _ in range(rng.randint(a, b)))


def _separated(
    rng: random.Random, cls: tuple[str, str, str], count: tuple[str, str, int, int]
) -> tuple[str, str, list[str]]:
    """Two runs of one character class joined by a separator (the last form of :func:`_form`)."""
    (cn, cr, ca), (cw, cq, lo, hi) = cls, count
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
    return (
        q,
        f"{cr}{cq}{re.escape(sep)}{cr}{cq}",
        [_run(rng, ca, lo, hi) + sep + _run(rng, ca, lo, hi) for _ in range(3)],
    )


def _form(rng: random.Random) -> tuple[str, str, list[str]]:
    (cn, cr, ca), (dn, dr, da) = rng.sample(CLASSES, 2)
    cw, cq, lo, hi = _count(rng)
    w = rng.choice(WORDS)
    form = rng.randrange(6)

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
        return q, f"{cr}{cq}", [_run(rng, ca, lo, hi) for _ in range(3)]
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
        return q, f"{w}{cr}{cq}", [w + _run(rng, ca, lo, hi) for _ in range(3)]
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
        return q, f"{cr}{cq}{dr}+", [_run(rng, ca, lo, hi) + _run(rng, da, 1, 3) for _ in range(3)]
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
        return q, f"{cr}{cq}{w}", [_run(rng, ca, lo, hi) + w for _ in range(3)]
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
        return q, f"{w}|{cr}{cq}", [w, _run(rng, ca, lo, hi), _run(rng, ca, lo, hi)]
    return _separated(rng, (cn, cr, ca), (cw, cq, lo, hi))


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


_EXAMPLE = re.compile(r"^(should match|should not match): (.+)$", re.M)


def regex_examples(text: str) -> tuple[list[str], list[str]]:
    """The ``should match: "..."`` and ``should not match: "..."`` examples (JSON strings) in ``text``."""
    pos: list[str] = []
    neg: list[str] = []
    for kind, value in _EXAMPLE.findall(text):
        try:
            s = json.loads(value)
        except json.JSONDecodeError:
            continue
        (pos if kind == "should match" else neg).append(str(s))
    return pos, neg


def check_regex(sample: Sample) -> None:
    """Compile with ``re``; it must fully match every positive example and no negative one."""
    pattern = re.compile(sample.output)
    pos, neg = regex_examples(sample.input + "\n" + sample.instruction)
    for s in pos:
        if not pattern.fullmatch(s):
            raise CheckFailed(f"regex: does not match the positive example {s!r}")
    for s in neg:
        if pattern.fullmatch(s):
            raise CheckFailed(f"regex: matches the negative example {s!r}")


def regex_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    """One ``regex`` job: the pattern on the request's positive and negative examples."""
    pos, neg = regex_examples(sample.input + "\n" + sample.instruction)
    return [{"kind": "regex", "pattern": text, "pos": pos, "neg": neg}]


def regex_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Every positive example matched, no negative one, and at least one example given."""
    p = first_ok(pred)
    return p is not None and all(p.value[0]) and not any(p.value[1]) and bool(p.value[0] or p.value[1])


def regex_depth(text: str) -> int:
    """Depth of the tree ``re``'s own parser builds (nested groups, alternatives, repeats)."""
    try:
        from re import _parser as sre  # type: ignore[attr-defined]
    except ImportError:  # Python < 3.11
        import sre_parse as sre  # type: ignore[no-redef]

    def children(item: Any) -> list[Any]:
        out: list[Any] = []
        for part in item if isinstance(item, list | tuple | sre.SubPattern) else []:
            if isinstance(part, sre.SubPattern):
                out.append(part)
            elif isinstance(part, list | tuple):
                out.extend(children(part))
        return out

    return tree_depth(sre.parse(text), children)


def compiles(text: str) -> bool:
    """Whether ``text`` compiles as a pattern (the evaluation's "parsed": the checker would run
    the examples in process)."""
    try:
        re.compile(text)
    except (re.error, RecursionError, OverflowError, ValueError):
        return False
    return True


#: inside ``[...]``: class escapes keywords, a range ``a-z`` one literal, other members a run
_SET_ITEMS = lexing.RegexLexer(
    (
        lexing.Pattern("keyword", r"\\[dDwWsS]"),
        lexing.Pattern("literal", r"(?:\\.|[^\\])-(?:\\.|[^\\])"),
        lexing.Pattern("literal", r"(?:(?:\\[^dDwWsS]|[^\\])(?!-.))+"),
    ),
    skip=r"(?!)",
)


def _set(text: str, start: int, end: int) -> list[lexing.Symbol]:
    """The symbols of the character set ``text[start:end]`` (``[`` ... ``]``)."""
    out = [lexing.Symbol("[", "punctuation", start, start + 1)]
    pos = start + 1
    if text[pos] == "^":
        out.append(lexing.Symbol("^", "operator", pos, pos + 1))
        pos += 1
    out += _SET_ITEMS.lex(text, pos, end - 1)
    return [*out, lexing.Symbol("]", "punctuation", end - 1, end)]


#: Python ``re`` syntax; spaces are pattern characters, only the ends are trivia
_LEXER = lexing.RegexLexer(
    (
        lexing.Pattern("punctuation", r"\[\^?\]?(?:\\.|[^\]\\])*\]", inner=_set),
        lexing.Pattern("punctuation", r"\((?:\?(?:P?<\w+>|<[=!]|[:=!>]|[aiLmsux-]+:?))?|\)"),
        lexing.Pattern("operator", r"(?:[*+?]|\{\d*(?:,\d*)?\})[?+]?|\|"),
        lexing.Pattern("keyword", r"\\[dDwWsSbBAZ]|[.^$]"),
        lexing.Pattern("identifier", r"\\[1-9]\d?|\(\?P=\w+\)"),  # back-reference
        lexing.Pattern("literal", r"\\.|(?:[^\\\[\](){}|*+?.^$]|\{(?!\d*(?:,\d*)?\}))+|[\]{}]"),
    ),
    skip=r"^\s+|\s+$",
)


def lex_regex(text: str) -> list[lexing.Symbol]:
    """Regular-expression symbols (Python ``re`` syntax): a run of plain characters or an escaped
    character one literal, quantifiers and ``|`` operators, ``.``, anchors and ``\\d``-style classes
    keywords, group brackets (``(?:`` whole) punctuation, back-references identifiers; in ``[...]``
    the brackets are punctuation, a leading ``^`` an operator, a range ``a-z`` one literal."""
    return _LEXER(text)


FAMILY = Family(
    name="regex",
    languages=LANGS,
    tasks=(Task("nl2regex-compositional", "compositional generator", GEN, gen_regex, 300),),
    check=check_regex,
    exact=str.strip,
    exact_rule="stripped",
    execution=Execution(
        "accepts every positive and rejects every negative example of the request", regex_judge, regex_jobs
    ),
    parses=compiles,
    depth=regex_depth,
    one_line=True,
    infer=(Rule(30, r"(?i)\b(regular expression|regex)\b", "instruction"),),
    lex=lex_regex,
    concepts={  # Python's re syntax (Library Reference, "re — Regular expression operations")
        "disjunction": ("|",),  # re "Regular Expression Syntax": A|B matches either A or B
    },
    kinds=kinds.__file__,
)
