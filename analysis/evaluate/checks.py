"""Execution checks: what "the prediction executes to the gold result" means, per family.

A :class:`Check` turns an answer into sandbox jobs (:mod:`analysis.evaluate.harness`) and judges
the prediction's outcomes against the gold output's outcomes (plain JSON data); a check without
jobs judges with parsers only (RDKit, ``json``/``jsonschema``, ElementPath, ``croniter``). Both
the jobs of a prediction and every judgement are made in the checker worker, never in the
suite's process. :class:`Executor` batches the jobs of many
answers into the sandbox and caches the gold outcomes across checkpoints.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from typing import Any

from analysis.evaluate.sandbox import Limits, Outcome, run_jobs
from trainer.data import resources
from trainer.data.checkers.sandbox import CALLS, CHECK_TIMEOUT_S, TimedChecker
from trainer.data.execution import (
    CRON_FIRES,
    CRON_START,
    cron_judge,
    json_judge,
    math_jobs,
    math_judge,
    python_jobs,
    python_judge,
    regex_jobs,
    regex_judge,
    smiles_judge,
    sparql_jobs,
    sparql_judge,
    sql_jobs,
    sql_judge,
    xpath_judge,
)
from trainer.data.family import Jobs, Judge
from trainer.data.schema import Sample


@dataclass(frozen=True)
class Check:
    """``jobs(sample, text)`` → sandbox jobs (``None`` = judged in process); ``judge(sample, text,
    predicted outcomes, gold outcomes)`` → match; ``rule`` says what is compared."""

    name: str
    rule: str
    judge: Judge
    jobs: Jobs | None = None


FAMILY_CHECKS: dict[str, Check] = {
    "sql": Check("sql", f"result sets equal on {resources.N_DATABASES} sqlite3 databases of the schema",
                 sql_judge, sql_jobs),
    "regex": Check("regex", "accepts every positive and rejects every negative example of the request",
                   regex_judge, regex_jobs),
    "math": Check("math", "program: solution() returns the gold value; expression: sympy-equal to gold",
                  math_judge, math_jobs),
    "python": Check("python", "HumanEval: its own tests pass; functions: same results as gold on probe inputs",
                    python_judge, python_jobs),
    "sparql": Check("sparql", "same results on the collection's RDF graph", sparql_judge, sparql_jobs),
    "smiles": Check("smiles", "RDKit canonical SMILES equal", smiles_judge),
    "json": Check("json", "valid against the schema and equal as objects", json_judge),
    "api_call": Check("api_call", "valid against the tool signatures and equal as objects", json_judge),
    "xpath": Check("xpath", "selects the same elements of the sample's XML", xpath_judge),
    "cron": Check("cron", f"same next {CRON_FIRES} fire times from {CRON_START:%Y-%m-%d}", cron_judge),
}  # fmt: skip
NO_EXEC = "no executable checker: exact match only"
PARSED_ONLY = {"bash": "parsed with bashlex, never executed: exact match only"}


def _resolve(module: str, qualname: str) -> Callable[..., Any]:
    """A check function by module and name (only of the evaluation's own modules)."""
    if module not in ("trainer.data.execution", "trainer.data.delegation"):
        raise ValueError(f"not a check module: {module}")
    return getattr(importlib.import_module(module), qualname)


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
    (:class:`~trainer.data.checkers.sandbox.TimedChecker`), never in the suite's process.

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

    def _run(self, jobs: list[dict[str, Any]]) -> list[Outcome]:
        if not jobs:
            return []
        shared = resources.sparql_shared() if any(j.get("kind") == "sparql" for j in jobs) else {}
        return run_jobs(jobs, shared=shared, limits=self.limits, mode=self.mode)

    def judge(self, items: Sequence[tuple[Sample, str, Check]]) -> list[bool | None]:
        """One match flag per ``(sample, answer text, check)`` (``None``: an execution check not
        run because there is no sandbox)."""
        run = [i for i, (_, _, c) in enumerate(items) if c.jobs is None or self.mode != "none"]
        samples = [items[i][0] for i in run]
        built = self.worker.calls(
            "eval-jobs", [(*_name(items[i][2].jobs), items[i][0].to_dict(), items[i][1]) for i in run
                          if items[i][2].jobs is not None], samples)  # type: ignore[arg-type]  # fmt: skip
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
        outcomes, gold_out = self._run(jobs), self._run(gold_jobs)
        for key, (a, b) in gold_slots.items():
            self._gold[key] = gold_out[a:b]
        asks = []
        for i in run:
            sample, text, check = items[i]
            a, b = slots.get(i, (0, 0))
            gold = self._gold.get((check.name, sample.id), [])
            asks.append((*_name(check.judge), sample.to_dict(), text,
                         [astuple(o) for o in outcomes[a:b]], [astuple(o) for o in gold]))  # fmt: skip
        flags: list[bool | None] = [None] * len(items)
        for i, (ok, value) in zip(run, self.worker.calls("eval-judge", asks, samples), strict=True):
            flags[i] = ok and value is True
        return flags
