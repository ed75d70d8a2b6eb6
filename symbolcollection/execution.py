"""Execution match, the generic parts every family's judge builds on: comparing predicted and gold
:class:`Outcome` lists (:func:`first_ok`, :func:`same_values`, :func:`values_equal`,
:func:`rows_equal`), a JSON answer's equality (:func:`json_valid_and_equal`) and
:func:`seeded_rng` (data a sample executes against, derived deterministically from its id). Each family's jobs
(plain JSON for the sandbox harness, :mod:`analysis.evaluate.harness`) and judge live in its own
module; both run in the checker worker, never in the suite's process
(:class:`analysis.evaluate.checks.Executor`).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

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


def seeded_rng(*parts: object) -> random.Random:
    """A ``random.Random`` seeded by the SHA-256 of ``parts`` (e.g. a sample id and an index)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))
