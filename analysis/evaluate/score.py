"""Per-sample scores of the symbolic and delegation suites, and the rows they aggregate into.

Symbolic, per sample: ``parsed`` (the family's checker accepts the answer, or its own
``Family.parses`` test), ``exact`` (exact match after the family's normalisation,
``Family.exact``) and ``executed`` (the family's execution check, :mod:`analysis.evaluate.checks`;
``None`` for families without one).
A family's ``accuracy`` is its execution match where it executes, else its exact match.
Delegation, per sample: ``correct`` (the solver's answer equals the gold answer).

Intervals: Wilson score intervals (95%) for a family's or task's proportions; for averages over
families or tasks (the suite rows), a percentile bootstrap that resamples samples within each
family or task (1,000 resamples, seeded).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from analysis.evaluate import delegation
from analysis.evaluate.checks import Executor, family_check
from analysis.metrics.proportion import wilson_interval
from symbolcollection.registry import reason
from symbolcollection.schema import Sample
from symbolcollection.worker import CALLS

Z95 = 1.959963984540054
BOOTSTRAP = 1000


@dataclass(frozen=True)
class Item:
    """One scored sample (``executed`` is ``None`` where the family has no execution check)."""

    id: str
    group: str  # family (symbolic) or delegation task
    parsed: bool
    exact: bool
    executed: bool | None
    not_run: bool = False  # an execution check that did not run (no sandbox)

    @property
    def correct(self) -> bool | None:
        """The headline: execution match where executable, else exact match (``None``: not run)."""
        if self.not_run:
            return None
        return self.exact if self.executed is None else self.executed


#: Longest answer scored (characters); a longer one is scored a failure without being parsed.
MAX_PREDICTION_CHARS = 256 * 1024


def _parses_call(sample: dict[str, Any], answer: str) -> bool:
    return parses(Sample.from_dict(sample), answer)


def _exact_call(family: str, prediction: str, gold: str) -> bool:
    from symbolcollection import registry

    return registry.get(family).exact_match(prediction, gold)


CALLS.update({"eval-parses": _parses_call, "eval-exact": _exact_call})


def _in_worker(
    executor: Executor, name: str, args: list[tuple[Any, ...]], samples: Sequence[Sample]
) -> list[bool]:
    """A registered boolean call on each argument tuple, in the checker worker (failure: False)."""
    if not args:
        return []
    return [ok and value is True for ok, value in executor.worker.calls(name, args, samples)]


def parse_flags(samples: Sequence[Sample], texts: Sequence[str], executor: Executor) -> list[bool]:
    """:func:`parses` for every sample, in the forked checker worker (never in this process);
    an answer longer than :data:`MAX_PREDICTION_CHARS` does not parse."""
    todo = [i for i, t in enumerate(texts) if t.strip() and len(t) <= MAX_PREDICTION_CHARS]
    flags = [False] * len(samples)
    got = _in_worker(executor, "eval-parses", [(samples[i].to_dict(), texts[i]) for i in todo], samples)
    for i, f in zip(todo, got, strict=True):
        flags[i] = f
    return flags


def exact_flags(samples: Sequence[Sample], texts: Sequence[str], executor: Executor) -> list[bool]:
    """Exact match after each family's normalisation, in the checker worker."""
    todo = [i for i, t in enumerate(texts) if t.strip() and len(t) <= MAX_PREDICTION_CHARS]
    flags = [False] * len(samples)
    got = _in_worker(
        executor, "eval-exact", [(samples[i].family, texts[i], samples[i].output) for i in todo], samples
    )
    for i, f in zip(todo, got, strict=True):
        flags[i] = f
    return flags


def parses(sample: Sample, answer: str) -> bool:
    """Whether ``answer`` passes ``sample``'s family checker (or the family's own ``parses``)."""
    from symbolcollection import registry

    if not answer.strip():
        return False
    family = registry.find(sample.family)
    if family is not None and family.parses is not None:
        return family.parses(answer)
    return reason(replace(sample, output=answer)) is None


def _needs_sandbox(family: str) -> bool:
    check = family_check(family)
    return check is not None and check.jobs is not None


def score_symbolic(samples: Sequence[Sample], answers: Mapping[str, str], executor: Executor) -> list[Item]:
    """One :class:`Item` per sample (an absent answer is the empty string). Without a sandbox
    (``executor.mode == "none"``) the executing families' items are marked ``not_run``."""
    texts = [answers.get(s.id, "") for s in samples]
    parsed = parse_flags(samples, texts, executor)
    exact = exact_flags(samples, texts, executor)
    checks = {f: family_check(f) for f in {s.family for s in samples}}
    asks = [
        (samples[i], texts[i], c)
        for i in range(len(samples))
        if parsed[i] and (c := checks[samples[i].family])
    ]
    runnable = [i for i, s in enumerate(samples) if checks[s.family] is not None and parsed[i]]
    flags = executor.judge(asks)
    executed: list[bool | None] = [None if checks[s.family] is None else False for s in samples]
    for i, f in zip(runnable, flags, strict=True):
        executed[i] = f
    off = executor.mode == "none"
    return [
        Item(
            s.id,
            s.family,
            parsed[i],
            exact[i],
            None if off and _needs_sandbox(s.family) else executed[i],
            not_run=off and _needs_sandbox(s.family),
        )
        for i, s in enumerate(samples)
    ]


def score_delegation(samples: Sequence[Sample], answers: Mapping[str, str], executor: Executor) -> list[Item]:
    """One :class:`Item` per sample of a delegation task (``executed`` = the solver's answer is right)."""
    items = []
    texts = [answers.get(s.id, "") for s in samples]
    capped = ["" if len(t) > MAX_PREDICTION_CHARS else t for t in texts]
    parsed = parse_flags(samples, texts, executor)
    exact = exact_flags(samples, texts, executor)
    flags = executor.judge(
        [(s, t, delegation.check(delegation.task_of(s) or "")) for s, t in zip(samples, capped, strict=True)]
    )
    off = executor.mode == "none"
    for s, t, f, p, e in zip(samples, capped, flags, parsed, exact, strict=True):
        items.append(
            Item(s.id, delegation.task_of(s) or "", p, e, None if off else bool(f and t.strip()), not_run=off)
        )
    return items


def wilson(successes: int, n: int) -> list[float] | None:
    """The 95% Wilson score interval of ``successes / n`` as a list (``None`` when ``n`` is 0)."""
    return list(wilson_interval(successes, n)) if n else None


def _rate(flags: Sequence[bool | None]) -> tuple[float | None, list[float] | None]:
    vals = [bool(f) for f in flags if f is not None]
    if not vals:
        return None, None
    return sum(vals) / len(vals), wilson(sum(vals), len(vals))


def group_row(items: Sequence[Item]) -> dict[str, Any]:
    """``n``, ``parse_rate``, ``exec_match``, ``exact_match``, ``accuracy`` (+ ``_ci``) of one group."""
    row: dict[str, Any] = {"n": len(items)}
    for key, flags in (
        ("parse_rate", [i.parsed for i in items]),
        ("exact_match", [i.exact for i in items]),
        ("exec_match", [i.executed for i in items]),
        ("accuracy", [i.correct for i in items]),
    ):
        row[key], row[f"{key}_ci"] = _rate(flags)
    return row


def macro_row(items: Sequence[Item], seed: int, n_boot: int = BOOTSTRAP) -> dict[str, Any]:
    """The unweighted mean over groups of ``accuracy`` (and ``parse_rate``), with a bootstrap
    interval that resamples samples within each group."""
    groups: dict[str, list[Item]] = {}
    for it in items:
        groups.setdefault(it.group, []).append(it)
    row: dict[str, Any] = {"n": len(items), "groups": len(groups)}
    rng = np.random.default_rng(seed)
    for key in ("accuracy", "parse_rate"):
        arrays = [
            np.array([getattr(i, "correct" if key == "accuracy" else "parsed") for i in g], float)
            for g in groups.values()
            if key == "parse_rate" or not any(i.not_run for i in g)
        ]
        if not arrays:
            row[key], row[f"{key}_ci"] = None, None
            continue
        row[key] = float(np.mean([a.mean() for a in arrays]))
        boots = np.mean([a[rng.integers(0, len(a), (n_boot, len(a)))].mean(1) for a in arrays], axis=0)
        row[f"{key}_ci"] = [float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))]
    return row


def average_row(scores: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """The paper's average: the mean of the available suites' scores; its interval is the normal
    approximation from the suites' intervals (treated as independent)."""
    vals = {k: r for k, r in scores.items() if r.get("accuracy") is not None}
    if not vals:
        return {"accuracy": None, "accuracy_ci": None, "suites_averaged": []}
    mean = sum(r["accuracy"] for r in vals.values()) / len(vals)
    var = 0.0
    for r in vals.values():
        ci = r.get("accuracy_ci")
        se = (ci[1] - ci[0]) / (2 * Z95) if ci else 0.0
        var += se * se
    half = Z95 * math.sqrt(var) / len(vals)
    return {
        "accuracy": mean,
        "accuracy_ci": [max(0.0, mean - half), min(1.0, mean + half)],
        "suites_averaged": sorted(vals),
    }
