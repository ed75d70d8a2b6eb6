"""Hostile class 2, fetching what a row names: ``validate`` never follows a JSON schema's ``$ref``
(or ``$dynamicRef``, or a relative ref under a remote ``$id``) to a URL or a file, never loads an
XML external entity, and says why such a row is invalid. A local HTTP server sees every request.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from support.cli import run_module
from support.hostile import assert_clean, watched_server

LIMIT_S = 90


def _rows(base: str, secret: Path) -> list[dict]:
    obj = {"type": "object"}
    tool = {"name": "get", "parameters": {"type": "object", "properties": {"q": {"$ref": f"{base}/q.json"}}}}
    xxe = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{base}/xxe">]><r><a>&x;</a></r>'
    return [
        {"family": "json", "input": json.dumps({**obj, "properties": {"x": {"$ref": f"{base}/s.json"}}})},
        {"family": "json", "input": json.dumps({**obj, "properties": {"x": {"$ref": secret.as_uri()}}})},
        {
            "family": "json",
            "input": json.dumps({**obj, "$id": f"{base}/root.json", "properties": {"x": {"$ref": "o.json"}}}),
        },
        {
            "family": "json",
            "input": json.dumps({**obj, "properties": {"x": {"$dynamicRef": f"{base}/d.json"}}}),
        },
        {"family": "json", "input": json.dumps({**obj, "allOf": [{"$ref": f"{base}/deep.json#/x"}]})},
        {
            "family": "api_call",
            "input": json.dumps([tool]),
            "output": json.dumps({"name": "get", "arguments": {"q": "a"}}),
        },
        {"family": "xpath", "input": xxe, "output": "/r/a"},
        # a local reference is still followed: this row is valid
        {
            "family": "json",
            "input": json.dumps(
                {**obj, "$defs": {"s": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/s"}}}
            ),
        },
    ]


def test_validate_fetches_nothing_a_row_names(tmp_path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"type": "integer"}')
    with watched_server() as (base, hits):
        path = tmp_path / "remote.jsonl"
        with open(path, "w") as fh:
            for row in _rows(base, secret):
                fh.write(
                    json.dumps({"instruction": "Answer.", "output": json.dumps({"x": "a"}), **row}) + "\n"
                )
        t0 = time.monotonic()
        proc = run_module("trainer.data", "validate", str(path), timeout=LIMIT_S)
        elapsed = time.monotonic() - t0
    assert hits == [], hits
    assert elapsed < LIMIT_S
    assert_clean(proc, code=1)  # 1: the file has invalid rows (reported on stdout, one per row)
    out = proc.stdout.splitlines()
    by_line = {int(line.split(":")[1]): line for line in out[:-1]}
    assert sorted(by_line) == [1, 2, 3, 4, 5, 6, 7], out
    for n in (1, 2, 3, 4, 5, 6):
        assert "remote references are not fetched" in by_line[n], by_line[n]
    assert "xpath" in by_line[7]
    assert out[-1].endswith("8 rows, 1 valid, 7 invalid")
