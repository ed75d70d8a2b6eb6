"""Five-field cron schedules, compared by their next fire times (croniter).

The tasks phrase schedules (daily, weekly, monthly, yearly, intervals, ranges); the checker parses
an expression with a ``lark`` grammar and checks every value's range; execution match compares the
next :data:`CRON_FIRES` fire times from :data:`CRON_START`, judged in the checker worker.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from symbolcollection import lexing
from symbolcollection.family import CheckFailed, Execution, Family, Outcome, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, Draft, phrase, pick

# --- tasks ---------------------------------------------------------------------------------------

LANGS = ("a cron expression", "a crontab schedule", "cron syntax", "a five-field cron schedule")
SOURCE = "generated:cron-templates"
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip


def _clock(h: int, m: int) -> str:
    suffix = "am" if h < 12 else "pm"
    return f"{(h % 12) or 12}:{m:02d} {suffix}"


def _form(rng: random.Random) -> tuple[str, str]:
    h, m = rng.randint(0, 23), rng.choice((0, 5, 10, 15, 20, 30, 45, 50))
    d = rng.randrange(7)
    form = rng.randrange(8)
    if form == 0:
        return pick(
            rng, ("every day at {t}", "daily at {t}", "once a day, at {t}"), t=_clock(h, m)
        ), f"{m} {h} * * *"
    if form == 1:
        k = rng.choice((2, 3, 5, 10, 15, 20, 30))
        return pick(
            rng, ("every {k} minutes", "once every {k} minutes", "at {k}-minute intervals"), k=k
        ), f"*/{k} * * * *"
    if form == 2:
        return (
            pick(
                rng, ("every {d} at {t}", "on {d}s at {t}", "weekly on {d}, {t}"), d=DAYS[d], t=_clock(h, m)
            ),
            f"{m} {h} * * {d}",
        )
    if form == 3:
        return (
            pick(
                rng, ("at {t} on weekdays", "every weekday at {t}", "Monday to Friday at {t}"), t=_clock(h, m)
            ),
            f"{m} {h} * * 1-5",
        )
    if form == 4:
        dom = rng.randint(1, 28)
        return (
            pick(
                rng,
                (
                    "on day {n} of every month at {t}",
                    "monthly, on the {n}th day, at {t}",
                    "at {t} on the {n}th of each month",
                ),
                n=dom,
                t=_clock(h, m),
            ),
            f"{m} {h} {dom} * *",
        )
    if form == 5:
        k = rng.choice((2, 3, 4, 6, 8, 12))
        return pick(
            rng,
            ("every {k} hours on the hour", "at minute 0 of every {k}th hour", "once every {k} hours"),
            k=k,
        ), f"0 */{k} * * *"
    if form == 6:
        mo, dom = rng.randrange(12), rng.randint(1, 28)
        return (
            pick(
                rng,
                (
                    "every year on {mo} {n} at {t}",
                    "annually on {mo} {n}, {t}",
                    "once a year: {mo} {n} at {t}",
                ),
                mo=MONTHS[mo],
                n=dom,
                t=_clock(h, m),
            ),
            f"{m} {h} {dom} {mo + 1} *",
        )
    a, b = sorted(rng.sample(range(6, 22), 2))
    return (
        pick(
            rng,
            (
                "at minute {m} of every hour from {a}:00 to {b}:00",
                "hourly at :{m:02d} between {a} and {b} o'clock",
                "every hour between {a}:00 and {b}:00, at {m} past",
            ),
            m=m,
            a=a,
            b=b,
        ),
        f"{m} {a}-{b} * * *",
    )


def gen_cron(rng: random.Random, n: int) -> list[Draft]:
    """Schedules (daily, weekly, monthly, yearly, intervals, ranges) as cron expressions."""
    out = []
    for _ in range(n):
        q, expr = _form(rng)
        request = pick(rng, ("Run the job {q}.", "Schedule a task {q}.", "The backup should run {q}."), q=q)
        out.append(phrase(rng, "nl2cron-schedules", "cron", request, LANGS, expr, SOURCE))
    return out


# --- checker -------------------------------------------------------------------------------------

CRON_GRAMMAR = r"""
start: field field field field field
field: item ("," item)*
item: (STAR | range | value) ("/" NUMBER)?
range: value "-" value
value: NUMBER | NAME
STAR: "*"
NUMBER: /\d+/
NAME: /[A-Za-z]{3}/
%import common.WS
%ignore WS
"""
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@functools.cache
def _cron_parser() -> Any:
    from lark import Lark

    return Lark(CRON_GRAMMAR, parser="lalr")


def check_cron(sample: Sample) -> None:
    """Parse a five-field cron expression with a ``lark`` grammar and check every value's range."""
    tree = _cron_parser().parse(sample.output.strip())
    for i, field in enumerate(tree.children):
        lo, hi = _CRON_RANGES[i]
        for value in field.find_data("value"):
            tok = str(value.children[0])
            if tok.isdigit():
                n = int(tok)
            elif i == 3 and tok.lower() in _MONTHS:
                n = _MONTHS.index(tok.lower()) + 1
            elif i == 4 and tok.lower() in _DAYS:
                n = _DAYS.index(tok.lower())
            else:
                raise CheckFailed(f"cron: {tok!r} is not valid in field {i + 1}")
            if not lo <= n <= hi:
                raise CheckFailed(f"cron: {n} is out of range {lo}-{hi} in field {i + 1}")
        for item in field.children:
            step = [str(t) for t in item.children if getattr(t, "type", "") == "NUMBER"]
            if step and int(step[-1]) == 0:
                raise CheckFailed("cron: a step of 0")


# --- execution match (judged in the checker worker) ----------------------------------------------

CRON_START = datetime(2026, 1, 1, 0, 0)
CRON_FIRES = 12


def cron_fires(expression: str, n: int = CRON_FIRES) -> list[str] | None:
    """The next ``n`` fire times of a five-field cron expression from :data:`CRON_START`."""
    from croniter import croniter

    try:
        it = croniter(expression.strip(), CRON_START)
        return [it.get_next(datetime).isoformat() for _ in range(n)]
    except Exception:  # croniter raises several error types on bad input
        return None


def cron_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Five fields, and the same next fire times as the gold (no sandbox: ``croniter`` only)."""
    if len(text.split()) != 5:
        return False
    a, b = cron_fires(text), cron_fires(sample.output)
    return a is not None and a == b


# --- symbols -------------------------------------------------------------------------------------


def _cron_class(name: str, text: str) -> lexing.SymbolClass:
    return {"NUMBER": "literal", "NAME": "literal", "COMMA": "punctuation"}.get(name, "operator")


#: the terminals of the checker's grammar: numbers and names literals, ``*`` ``-`` ``/`` operators
_LEXER = lexing.lark_lexer(CRON_GRAMMAR, _cron_class, str.upper)


def lex_cron(text: str) -> list[lexing.Symbol]:
    """Cron symbols by the checker's ``lark`` grammar: numbers and month or day names (upper-cased)
    literals, ``*`` (every), ``-`` (range) and ``/`` (step) operators, ``,`` punctuation."""
    return _LEXER(text)


FAMILY = Family(
    name="cron",
    languages=LANGS,
    tasks=(Task("nl2cron-schedules", "schedule phrase generator", GEN, gen_cron, 300),),
    check=check_cron,
    execution=Execution(f"same next {CRON_FIRES} fire times from {CRON_START:%Y-%m-%d}", cron_judge),
    no_depth="five flat schedule fields: no nesting",
    one_line=True,
    infer=(Rule(70, r"^\s*([\d*/,\-]+\s+){4}[\d*/,\-]+\s*$"),),
    packages=("lark",),
    lex=lex_cron,
    concepts={  # POSIX.1-2017 XCU crontab, "Input Files": the time fields
        "universal": ("*",),  # crontab: "an <asterisk> (meaning all valid values)"
        "range": ("-",),  # crontab: "two numbers separated by a <hyphen-minus> (meaning an inclusive range)"
    },
)
