"""The regex family's sandbox job kind ``regex``: which of the request's examples a generated
pattern fully matches (a pattern can take exponential time: it runs only in the sandbox).

Standard library only, importing nothing of the project: the sandbox's harness loads this file as
``kinds_regex.py`` (:attr:`symbolcollection.family.Family.kinds`).
"""

from __future__ import annotations

import re
from typing import Any


def run_regex(job: dict[str, Any], shared: dict[str, Any], conn: Any) -> list[list[bool]]:
    """``[[fullmatch of each positive example], [fullmatch of each negative example]]``."""
    pattern = re.compile(job["pattern"])
    return [
        [bool(pattern.fullmatch(s)) for s in job["pos"]],
        [bool(pattern.fullmatch(s)) for s in job["neg"]],
    ]


KINDS = {"regex": run_regex}
WARM = {"regex": {"pattern": "a+", "pos": ["a"], "neg": ["b"]}}
PRELOAD: dict[str, tuple[str, ...]] = {}
