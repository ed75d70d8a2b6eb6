"""Checkers for programs and queries: Python (``ast``), Bash (``bashlex``), regular expressions
(``re`` against the examples given with the request)."""

from __future__ import annotations

import ast
import json
import re

from symbolcollection.checkers import CheckFailed
from symbolcollection.schema import Sample

_SIGNATURE = re.compile(r"^\s*def\s+([A-Za-z_]\w*)\s*\(", re.M)
_EXAMPLE = re.compile(r"^(should match|should not match): (.+)$", re.M)


def check_python(sample: Sample) -> None:
    """Parse and compile with ``ast``; a function named in ``input`` (``def f(``) must be defined."""
    tree = ast.parse(sample.output)
    compile(tree, "<output>", "exec")
    if not tree.body:
        raise CheckFailed("python: no statements")
    wanted = _SIGNATURE.findall(sample.input)
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    missing = [w for w in wanted if w not in defined]
    if missing:
        raise CheckFailed(f"python: the requested function {missing[0]!r} is not defined")


def check_bash(sample: Sample) -> None:
    """Parse with ``bashlex`` (the command must parse to at least one node)."""
    import bashlex

    parts = bashlex.parse(sample.output)
    if not parts:
        raise CheckFailed("bash: nothing parsed")


def regex_examples(text: str) -> tuple[list[str], list[str]]:
    """The ``should match: "..."`` and ``should not match: "..."`` examples (JSON strings) in ``text``."""
    pos: list[str] = []
    neg: list[str] = []
    for kind, value in _EXAMPLE.findall(text):
        try:
            s = json.loads(value)
        except json.JSONDecodeError:
            continue
        (pos if kind == "should match" else neg).append(str(s))
    return pos, neg


def check_regex(sample: Sample) -> None:
    """Compile with ``re``; it must fully match every positive example and no negative one."""
    pattern = re.compile(sample.output)
    pos, neg = regex_examples(sample.input + "\n" + sample.instruction)
    for s in pos:
        if not pattern.fullmatch(s):
            raise CheckFailed(f"regex: does not match the positive example {s!r}")
    for s in neg:
        if pattern.fullmatch(s):
            raise CheckFailed(f"regex: matches the negative example {s!r}")
