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
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any

from analysis.evaluate import resources
from analysis.evaluate.sandbox import Limits, Outcome, run_jobs
from symbolcollection.checkers.code import regex_examples
from symbolcollection.checkers.sandbox import CALLS, CHECK_TIMEOUT_S, TimedChecker
from symbolcollection.schema import Sample

Jobs = Callable[[Sample, str], list[dict[str, Any]]]
Judge = Callable[[Sample, str, Sequence[Outcome], Sequence[Outcome]], bool]
_DEF = re.compile(r"^\s*def\s+([A-Za-z_]\w*)\s*\(", re.M)


@dataclass(frozen=True)
class Check:
    """``jobs(sample, text)`` → sandbox jobs (``None`` = judged in process); ``judge(sample, text,
    predicted outcomes, gold outcomes)`` → match; ``rule`` says what is compared."""

    name: str
    rule: str
    judge: Judge
    jobs: Jobs | None = None


def _rows_equal(a: Any, b: Any, ordered: bool) -> bool:
    if not isinstance(a, list) or not isinstance(b, list):
        return False
    if ordered:
        return a == b
    return Counter(json.dumps(r, sort_keys=True) for r in a) == Counter(
        json.dumps(r, sort_keys=True) for r in b
    )


def _first_ok(outcomes: Sequence[Outcome]) -> Outcome | None:
    return outcomes[0] if outcomes and outcomes[0].ok else None


def _same_values(pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    p, g = _first_ok(pred), _first_ok(gold)
    return p is not None and g is not None and _equal(p.value, g.value)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool | str):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


# --- SQL: result sets on the sample's databases ------------------------------------------------


def sql_jobs(sample: Sample, text: str, databases: int = resources.N_DATABASES) -> list[dict[str, Any]]:
    """One ``sql`` job: ``text`` on each of the sample's databases."""
    return [{"kind": "sql", "databases": resources.sql_databases(sample, databases), "query": text}]


def sql_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Equal result sets on every database (as lists when the gold query orders, else multisets)."""
    p, g = _first_ok(pred), _first_ok(gold)
    if p is None or g is None or len(p.value) != len(g.value):
        return False
    ordered = "order by" in sample.output.lower()
    return all(_rows_equal(a, b, ordered) for a, b in zip(p.value, g.value, strict=True))


# --- regex: accept/reject on the request's examples --------------------------------------------


def regex_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    pos, neg = regex_examples(sample.input + "\n" + sample.instruction)
    return [{"kind": "regex", "pattern": text, "pos": pos, "neg": neg}]


def regex_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    p = _first_ok(pred)
    return p is not None and all(p.value[0]) and not any(p.value[1]) and bool(p.value[0] or p.value[1])


# --- math: programs run to the gold value, expressions equal under sympy -----------------------


def math_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    if sample.output.lstrip().startswith("def "):
        return [{"kind": "call", "code": text, "entry": "solution", "args": [[]]}]
    return [{"kind": "sympy_equal", "a": text, "b": sample.output}]


def math_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    if sample.output.lstrip().startswith("def "):
        p, g = _first_ok(pred), _first_ok(gold)
        return p is not None and g is not None and p.value[0][0] == "ok" and _equal(p.value, g.value)
    p = _first_ok(pred)
    return p is not None and p.value is True


# --- python: HumanEval's own tests; generated functions against the gold on probe inputs --------


def python_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    if sample.source.startswith("human-eval:"):
        test = resources.humaneval_tests()[sample.source.split(":", 1)[1]]
        return [{"kind": "humaneval", "code": text, "test": test["test"], "entry": test["entry"]}]
    names = _DEF.findall(sample.input)
    entry = names[0] if names else "solution"
    return [{"kind": "call", "code": text, "entry": entry, "args": [list(a) for a in resources.PROBE_ARGS]}]


def python_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    p = _first_ok(pred)
    if sample.source.startswith("human-eval:"):
        return p is not None and p.value is True
    g = _first_ok(gold)
    if p is None or g is None:
        return False
    valid = [i for i, (status, _) in enumerate(g.value) if status == "ok"]
    return bool(valid) and all(p.value[i][0] == "ok" and _equal(p.value[i][1], g.value[i][1]) for i in valid)


# --- SPARQL: results on the collection's graph ---------------------------------------------------


def sparql_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    return [{"kind": "sparql", "query": text}]


def sparql_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    p, g = _first_ok(pred), _first_ok(gold)
    if p is None or g is None:
        return False
    if "ask" in g.value:
        return p.value == g.value
    return "rows" in p.value and _rows_equal(
        p.value["rows"], g.value["rows"], "order by" in sample.output.lower()
    )


# --- judged in process (parsers only) ------------------------------------------------------------


def smiles_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    a, b = Chem.MolFromSmiles(text.strip()), Chem.MolFromSmiles(sample.output.strip())
    return a is not None and b is not None and Chem.MolToSmiles(a) == Chem.MolToSmiles(b)


def json_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Valid for the family's checker (schema / tool signatures) and equal as objects."""
    from dataclasses import replace

    from symbolcollection.checkers import reason

    try:
        same = json.loads(text) == json.loads(sample.output)
    except (ValueError, RecursionError):
        return False
    return same and reason(replace(sample, output=text)) is None


def xpath_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """The same elements selected in the sample's XML document (in document order)."""
    import xml.etree.ElementTree as ET

    from symbolcollection.checkers.structured import xpath_select

    try:
        a = [ET.tostring(e) for e in xpath_select(sample.input, text.strip())]
        b = [ET.tostring(e) for e in xpath_select(sample.input, sample.output.strip())]
    except (SyntaxError, ET.ParseError, KeyError, TypeError, ValueError):
        return False
    return bool(b) and a == b


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
    if len(text.split()) != 5:
        return False
    a, b = cron_fires(text), cron_fires(sample.output)
    return a is not None and a == b


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
    if module not in ("analysis.evaluate.checks", "analysis.evaluate.delegation"):
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
    (:class:`~symbolcollection.checkers.sandbox.TimedChecker`), never in the suite's process.

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
