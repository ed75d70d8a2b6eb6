"""Execution checks run for the evaluation: each family's :class:`~symbolcollection.family.Execution`
(what "the prediction executes to the gold result" means) as a :class:`Check`.

A :class:`Check` turns an answer into sandbox jobs (:mod:`analysis.evaluate.harness`) and judges
the prediction's outcomes against the gold output's outcomes (plain JSON data); a check without
jobs judges with parsers only (RDKit, ``json``). Both
the jobs of a prediction and every judgement are made in the checker worker, never in the
suite's process. :class:`Executor` batches the jobs of many
answers into the sandbox and caches the gold outcomes across checkpoints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from typing import Any

from analysis.evaluate.sandbox import Limits, Outcome, run_jobs
from symbolcollection.family import Execution, Jobs, Judge
from symbolcollection.schema import Sample
from symbolcollection.worker import CALLS, CHECK_TIMEOUT_S, TimedChecker


@dataclass(frozen=True)
class Check:
    """``jobs(sample, text)`` → sandbox jobs (``None`` = judged in process); ``judge(sample, text,
    predicted outcomes, gold outcomes)`` → match; ``rule`` says what is compared; ``shared()`` the
    input every job of a batch shares. ``name`` keys the cache of gold outcomes."""

    name: str
    rule: str
    judge: Judge
    jobs: Jobs | None = None
    shared: Callable[[], dict[str, Any]] | None = None
    gold_checked: bool = False

    @classmethod
    def of(cls, name: str, execution: Execution) -> Check:
        """The check called ``name`` that runs a family's :class:`Execution`."""
        e = execution
        return cls(name, e.rule, e.judge, e.jobs, e.shared, e.gold_checked)


def family_check(family: str) -> Check | None:
    """The execution check of ``family`` (``None``: it does not execute, or is unknown)."""
    from symbolcollection import registry

    found = registry.find(family)
    return Check.of(family, found.execution) if found is not None and found.execution else None


def _check_functions() -> dict[tuple[str, str], Callable[..., Any]]:
    """Every jobs and judge function of a registered family's checks, by module and name."""
    from symbolcollection import registry

    out: dict[tuple[str, str], Callable[..., Any]] = {}
    for family in registry.families():
        for execution in (family.execution, *family.delegate.values()):
            if execution is not None:
                out |= {_name(fn): fn for fn in (execution.judge, execution.jobs) if fn is not None}
    return out


def _resolve(module: str, qualname: str) -> Callable[..., Any]:
    """A check function by module and name (only one a registered family's check names)."""
    fn = _check_functions().get((module, qualname))
    if fn is None:
        raise ValueError(f"not a registered check function: {module}.{qualname}")
    return fn


def _worker_jobs(module: str, qualname: str, sample: dict[str, Any], text: str) -> list[dict[str, Any]]:
    return _resolve(module, qualname)(Sample.from_dict(sample), text)


def _worker_judge(
    module: str, qualname: str, sample: dict[str, Any], text: str, pred: list[Any], gold: list[Any]
) -> bool:
    judge = _resolve(module, qualname)
    try:
        return bool(
            judge(Sample.from_dict(sample), text, [Outcome(*o) for o in pred], [Outcome(*o) for o in gold])
        )
    except (TypeError, KeyError, IndexError, ValueError, AttributeError):
        return False  # an outcome of an unexpected shape is a failed prediction


CALLS.update({"eval-jobs": _worker_jobs, "eval-judge": _worker_judge})


def _name(fn: Callable[..., Any]) -> tuple[str, str]:
    return fn.__module__, fn.__qualname__


class Executor:
    """Judges answers with their checks. Predicted and gold jobs run in separate sandboxes (a
    gold program never shares a process with predicted code), in batches; gold outcomes are
    cached by (check, sample id) so every checkpoint after the first reuses them. Building a
    prediction's jobs and judging it run in the forked, time- and memory-limited checker worker
    (:class:`~symbolcollection.worker.TimedChecker`), never in the suite's process.

    ``mode``: ``bwrap``, ``unsandboxed`` or ``none`` (execution not run: checks with jobs give
    ``None``)."""

    def __init__(self, limits: Limits | None = None, mode: str = "bwrap") -> None:
        self.limits = limits or Limits()
        self.mode = mode
        self.worker = TimedChecker(timeout=max(CHECK_TIMEOUT_S, self.limits.job_seconds))
        self._gold: dict[tuple[str, str], list[Outcome]] = {}

    def close(self) -> None:
        """Stop the checker worker."""
        self.worker.close()

    def _run(self, jobs: list[dict[str, Any]], checks: Sequence[Check]) -> list[Outcome]:
        """Outcomes of ``jobs``, with the shared input of ``checks`` (those the jobs came from)."""
        if not jobs:
            return []
        shared: dict[str, Any] = {}
        for make in {c.name: c.shared for c in checks if c.shared is not None}.values():
            shared |= make()
        return run_jobs(jobs, shared=shared, limits=self.limits, mode=self.mode)

    def judge(self, items: Sequence[tuple[Sample, str, Check]]) -> list[bool | None]:
        """One match flag per ``(sample, answer text, check)`` (``None``: an execution check not
        run because there is no sandbox)."""
        run = [i for i, (_, _, c) in enumerate(items) if c.jobs is None or self.mode != "none"]
        samples = [items[i][0] for i in run]
        built = self.worker.calls(
            "eval-jobs",
            [
                (*_name(items[i][2].jobs), items[i][0].to_dict(), items[i][1])
                for i in run
                if items[i][2].jobs is not None
            ],
            samples,
        )  # type: ignore[arg-type]
        jobs: list[dict[str, Any]] = []
        gold_jobs: list[dict[str, Any]] = []
        slots: dict[int, tuple[int, int]] = {}
        gold_slots: dict[tuple[str, str], tuple[int, int]] = {}
        made = iter(built)
        for i in run:
            sample, _, check = items[i]
            if check.jobs is None:
                continue
            ok, got = next(made)
            start = len(jobs)
            jobs.extend(got if ok and isinstance(got, list) else [])
            slots[i] = (start, len(jobs))
            key = (check.name, sample.id)
            if key not in self._gold and key not in gold_slots:
                g0 = len(gold_jobs)
                gold_jobs.extend(check.jobs(sample, sample.output))
                gold_slots[key] = (g0, len(gold_jobs))
        used = [items[i][2] for i in run if items[i][2].jobs is not None]
        outcomes, gold_out = self._run(jobs, used), self._run(gold_jobs, used)
        for key, (a, b) in gold_slots.items():
            self._gold[key] = gold_out[a:b]
        asks = []
        for i in run:
            sample, text, check = items[i]
            a, b = slots.get(i, (0, 0))
            gold = self._gold.get((check.name, sample.id), [])
            asks.append(
                (
                    *_name(check.judge),
                    sample.to_dict(),
                    text,
                    [astuple(o) for o in outcomes[a:b]],
                    [astuple(o) for o in gold],
                )
            )
        flags: list[bool | None] = [None] * len(items)
        for i, (ok, value) in zip(run, self.worker.calls("eval-judge", asks, samples), strict=True):
            flags[i] = ok and value is True
        return flags
