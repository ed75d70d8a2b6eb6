"""Hostile class 4, hangs on untrusted input: every row's check has a time limit (a forked worker),
so catastrophic regexes (in a ``regex`` row and in a JSON schema ``pattern``), huge powers in a
math program and 10k-deep LaTeX end as invalid rows with the reason, within a stated time; long
but valid formulas (FOL with 300 flat conjuncts, SPARQL with 100 triple patterns) still pass.
"""

from __future__ import annotations

import json
import time

from support.cli import run_module
from support.hostile import assert_clean

#: Each hostile row costs at most 1 s of the worker's CPU (--check-timeout 1) plus a fork; the file
#: has 7 of them: ~15 s on a quiet machine, the bound leaves room for a load of ~15 on 2 cores.
LIMIT_S = 150

EVIL = "(a+)+$"
SLOW = "a" * 40 + "!"


def _hostile() -> list[dict]:
    math_prog = "def solution():\n    a = 2\n" + "    a = a ** 100\n" * 8 + "    return a"
    schema = {"type": "object", "properties": {"x": {"type": "string", "pattern": "^(a|aa)+$"}}}
    return [
        {"family": "regex", "input": f"should match: {json.dumps(SLOW)}", "output": EVIL},
        {"family": "regex", "input": f"should not match: {json.dumps('x' * 30 + 'y')}", "output": "(x*)*z"},
        {"family": "json", "input": json.dumps(schema), "output": json.dumps({"x": "a" * 60 + "!"})},
        {"family": "math", "output": "def solution():\n    a = 9\n    a **= a\n    a **= a\n    return a"},
        {"family": "math", "output": math_prog},
        {"family": "latex", "output": "\\frac{" * 10_000 + "1" + "}{2}" * 10_000},
        {
            "family": "api_call",
            "input": json.dumps([{"name": "f", "parameters": schema}]),
            "output": json.dumps({"name": "f", "arguments": {"x": "a" * 60 + "!"}}),
        },
    ]


def _valid() -> list[dict]:
    fol = " & ".join(f"P{i}(x)" for i in range(300))
    triples = " . ".join(f"?s <http://e.org/p{i}> ?o{i}" for i in range(100))
    return [
        {"family": "fol", "output": f"all x.({fol})"},
        {"family": "fol", "output": " | ".join(f"-Q{i}(a)" for i in range(250))},
        {"family": "sparql", "output": f"SELECT ?s WHERE {{ {triples} . }}"},
        {"family": "math", "output": "def solution():\n    a = 3\n    a **= 2\n    return a + 1"},
    ]


def test_costly_rows_are_invalid_within_the_limit_and_long_valid_ones_pass(tmp_path) -> None:
    path = tmp_path / "hostile.jsonl"
    rows = _hostile() + _valid()
    with open(path, "w") as fh:
        for row in rows:
            fh.write(json.dumps({"instruction": "Answer.", "input": "", **row}) + "\n")
    t0 = time.monotonic()
    proc = run_module("trainer.data", "validate", str(path), "--check-timeout", "1", timeout=LIMIT_S + 30)
    elapsed = time.monotonic() - t0
    assert elapsed < LIMIT_S, elapsed
    assert_clean(proc, code=1)
    out = proc.stdout.splitlines()
    bad = {int(line.split(":")[1]): line for line in out[:-1]}
    assert sorted(bad) == list(range(1, len(_hostile()) + 1)), out
    assert "exponents must be numbers" in bad[4]  # augmented power: refused before running
    for n in (1, 2, 3, 5, 6, 7):
        assert "checking took over 1 s" in bad[n] or "too costly" in bad[n], bad[n]
    assert out[-1].endswith(f"{len(rows)} rows, {len(_valid())} valid, {len(_hostile())} invalid")


def test_deep_json_is_one_reason_in_validate_and_one_line_in_load(tmp_path) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    path = tmp_path / "deep.jsonl"
    path.write_text(
        json.dumps({"instruction": "a", "output": "SELECT 1", "family": "sql"}) + "\n" + deep + "\n"
    )
    proc = run_module("trainer.data", "validate", str(path), timeout=LIMIT_S)
    assert_clean(proc, code=1)
    assert ":2: JSON nests too deeply" in proc.stdout
    whole = tmp_path / "deep.json"
    whole.write_text(deep)
    assert_clean(run_module("trainer.data", "load", str(whole), timeout=LIMIT_S), says="nests too deeply")
