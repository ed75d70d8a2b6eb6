"""NL→cron schedule expressions (five fields) from schedule phrasings."""

from __future__ import annotations

import random

from symbolcollection.tasks.base import Draft, phrase, pick

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
