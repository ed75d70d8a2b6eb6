"""Bash commands: parsed with bashlex, never executed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symbolcollection import depth
from symbolcollection.checkers.code import check_bash
from symbolcollection.family import Family, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks import bash
from symbolcollection.tasks.base import GEN
from symbolscope.sources import available


def provenance(samples: Sequence[Sample]) -> dict[str, Any]:
    """The NL2Bash files shipped by icalfa, when the source is installed."""
    if not available("nl2bash"):
        return {}
    return {"files": {f"icalfa/assets/datasets/{p.name}": p for p in bash.icalfa_files()}}


FAMILY = Family(
    name="bash",
    languages=bash.LANGS,
    tasks=(
        Task(
            "nl2bash-icalfa",
            "NL2Bash pairs shipped by icalfa",
            "MIT (icalfa)",
            bash.gen_nl2bash,
            300,
            needs="nl2bash",
        ),
        Task("nl2bash-filesystem", "command templates", GEN, bash.gen_commands, 120),
    ),
    check=check_bash,
    no_execution="parsed with bashlex, never executed: exact match only",
    depth=depth.bash_depth,
    one_line=True,
    infer=(Rule(40, r"(?i)\b(bash|shell|command line|terminal)\b", "instruction"),),
    provenance=provenance,
    packages=("bashlex",),
)
