"""Execution match, the generic parts and each family's jobs and judges: what "the prediction
executes to the gold result" means. Jobs are plain JSON for the sandbox harness
(:mod:`analysis.evaluate.jobkinds`); judges compare predicted and gold :class:`Outcome` lists
(or judge with parsers alone: ``json``/``jsonschema``, ElementPath, ``croniter``). Both run
in the checker worker, never in the suite's process (:class:`analysis.evaluate.checks.Executor`).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from symbolcollection import resources
from symbolcollection.family import Outcome
from symbolcollection.schema import Sample


def rows_equal(a: Any, b: Any, ordered: bool) -> bool:
    """Two result tables equal: as lists when ``ordered``, else as multisets of rows."""
    if not isinstance(a, list) or not isinstance(b, list):
        return False
    if ordered:
        return a == b
    return Counter(json.dumps(r, sort_keys=True) for r in a) == Counter(
        json.dumps(r, sort_keys=True) for r in b
    )


def first_ok(outcomes: Sequence[Outcome]) -> Outcome | None:
    """The first outcome if it succeeded, else ``None``."""
    return outcomes[0] if outcomes and outcomes[0].ok else None


def same_values(pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Both first outcomes succeeded with equal values (:func:`values_equal`)."""
    p, g = first_ok(pred), first_ok(gold)
    return p is not None and g is not None and values_equal(p.value, g.value)


def values_equal(a: Any, b: Any) -> bool:
    """Equal JSON values, numbers within 1e-9 (relative or absolute), lists element-wise."""
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool | str):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


# --- SQL: result sets on the sample's databases ------------------------------------------------


def sql_jobs(sample: Sample, text: str, databases: int = resources.N_DATABASES) -> list[dict[str, Any]]:
    """One ``sql`` job: ``text`` on each of the sample's databases."""
    return [{"kind": "sql", "databases": resources.sql_databases(sample, databases), "query": text}]


def sql_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Equal result sets on every database (as lists when the gold query orders, else multisets)."""
    p, g = first_ok(pred), first_ok(gold)
    if p is None or g is None or len(p.value) != len(g.value):
        return False
    ordered = "order by" in sample.output.lower()
    return all(rows_equal(a, b, ordered) for a, b in zip(p.value, g.value, strict=True))


# --- SPARQL: results on the collection's graph ---------------------------------------------------


def sparql_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    return [{"kind": "sparql", "query": text}]


def sparql_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    p, g = first_ok(pred), first_ok(gold)
    if p is None or g is None:
        return False
    if "ask" in g.value:
        return p.value == g.value
    return "rows" in p.value and rows_equal(
        p.value["rows"], g.value["rows"], "order by" in sample.output.lower()
    )


# --- judged in process (parsers only) ------------------------------------------------------------


def json_valid_and_equal(sample: Sample, text: str, check: Callable[[Sample], None]) -> bool:
    """``text`` equals the gold output as a JSON value and passes ``check`` (the family's checker:
    the schema, the tool signatures)."""
    from dataclasses import replace

    try:
        if json.loads(text) != json.loads(sample.output):
            return False
        check(replace(sample, output=text))
    except Exception:  # json's, the checker's or a parser's own error: not a match
        return False
    return True


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
