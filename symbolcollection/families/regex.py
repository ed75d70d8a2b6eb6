"""Regular expressions (Python's ``re``), judged on the request's positive and negative examples."""

from __future__ import annotations

import re

from symbolcollection import depth
from symbolcollection.checkers.code import check_regex
from symbolcollection.execution import regex_jobs, regex_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.tasks import regex
from symbolcollection.tasks.base import GEN


def compiles(text: str) -> bool:
    """Whether ``text`` compiles as a pattern (the evaluation's "parsed": the checker would run
    the examples in process)."""
    try:
        re.compile(text)
    except (re.error, RecursionError, OverflowError, ValueError):
        return False
    return True


FAMILY = Family(
    name="regex",
    languages=regex.LANGS,
    tasks=(Task("nl2regex-compositional", "compositional generator", GEN, regex.gen_regex, 300),),
    check=check_regex,
    exact=str.strip,
    exact_rule="stripped",
    execution=Execution(
        "accepts every positive and rejects every negative example of the request", regex_judge, regex_jobs
    ),
    parses=compiles,
    depth=depth.regex_depth,
    one_line=True,
    infer=(Rule(30, r"(?i)\b(regular expression|regex)\b", "instruction"),),
)
