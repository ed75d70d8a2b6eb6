"""What a sample executes against: its SQL databases, its PDDL domain and problem, the SPARQL
graph. Built from the collection's own generators and files (one definition
per fact: table specs from :mod:`symbolcollection.tasks.sql`, the graph from
:mod:`symbolcollection.tasks.sparql`, PDDL files from ``pddlgym`` via :mod:`symbolcollection.tasks.pddl`).

A sample of the collection keeps only its schema (``CREATE TABLE`` text), not rows; its
databases are filled here deterministically from the sample id, with the value ranges of the
generator's table specs and values next to the gold query's numbers, several times over (a query must give the gold result on every one:
test-suite execution accuracy, Zhong et al. 2020).
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
from typing import Any

from symbolcollection.checkers.code import schema_ddl
from symbolcollection.checkers.pddl_check import sexpr_block
from symbolcollection.schema import Sample
from symbolscope import guards

N_DATABASES = 4
_WORDS = ("alpha", "beta", "gamma", "delta", "omega", "sigma")


def seeded_rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _value(
    cols: dict[str, Any], name: str, kind: str, rng: random.Random, owners: dict[str, int], near: list[int]
) -> object:
    """A value for column ``name``: a foreign key ``<noun>_id`` points at a row of its owner table;
    an integer column often takes a value next to a number of the gold query (``near``: n-1, n,
    n+1), so that off-by-one conditions change the result; otherwise the generator spec's choices
    or range, or a small default."""
    if name.endswith("_id") and name[:-3] in owners:
        return rng.randint(1, owners[name[:-3]])
    if "INT" in kind.upper() and near and rng.random() < 0.4:
        return rng.choice(near)
    col = cols.get(name)
    if col is not None:
        return rng.choice(col.choices) if col.choices else rng.randint(col.lo, col.hi)
    return rng.randint(0, 100) if "INT" in kind.upper() else rng.choice(_WORDS)


def sql_databases(sample: Sample, n: int = N_DATABASES) -> list[str]:
    """``n`` SQL scripts (schema + rows) for ``sample``'s ``CREATE TABLE`` input, deterministic
    from its id; empty when the input has no schema."""
    from symbolcollection.tasks.sql import TABLES

    ddl = schema_ddl(sample.input)
    if not ddl:
        return []
    near = sorted({int(v) + d for v in re.findall(r"\b\d+\b", sample.output) for d in (-1, 0, 1)})
    scripts = []
    for k in range(n):
        rng = seeded_rng(sample.id, k)
        conn = guards.private_database(ddl)  # the schema comes from a file: no files, no extensions
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        sizes = {t: rng.randint(10, 16) for t in tables}
        nouns = {spec.noun: sizes[t] for t in tables for spec in TABLES if t in spec.names}
        for t in tables:
            info = conn.execute(f'PRAGMA table_info("{t}")').fetchall()
            spec = next((x for x in TABLES if t in x.names), None)
            cols = {c.name: c for c in spec.cols} if spec else {}
            rows = [
                tuple(i + 1 if col[5] else _value(cols, col[1], col[2], rng, nouns, near) for col in info)
                for i in range(sizes[t])
            ]
            conn.executemany(f'INSERT INTO "{t}" VALUES ({", ".join("?" for _ in info)})', rows)
        scripts.append("\n".join(conn.iterdump()))
        conn.close()
    return scripts


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
