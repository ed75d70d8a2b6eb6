"""What an SQL sample executes against and how its result is judged.

A sample of the collection keeps only its schema (``CREATE TABLE`` text), not rows; its
databases are filled here deterministically from the sample id, with the value ranges of the
generator's table specs and values next to the gold query's numbers, several times over (a query
must give the gold result on every one: test-suite execution accuracy, Zhong et al. 2020).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from symbolcollection.execution import first_ok, rows_equal, seeded_rng
from symbolcollection.families.sql import kinds as guards
from symbolcollection.families.sql.check import schema_ddl
from symbolcollection.families.sql.tables import TABLES
from symbolcollection.family import Outcome
from symbolcollection.schema import Sample

N_DATABASES = 4
_WORDS = ("alpha", "beta", "gamma", "delta", "omega", "sigma")


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


def sql_jobs(sample: Sample, text: str, databases: int = N_DATABASES) -> list[dict[str, Any]]:
    """One ``sql`` job: ``text`` on each of the sample's databases."""
    return [{"kind": "sql", "databases": sql_databases(sample, databases), "query": text}]


def sql_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """Equal result sets on every database (as lists when the gold query orders, else multisets)."""
    p, g = first_ok(pred), first_ok(gold)
    if p is None or g is None or len(p.value) != len(g.value):
        return False
    ordered = "order by" in sample.output.lower()
    return all(rows_equal(a, b, ordered) for a, b in zip(p.value, g.value, strict=True))


def table_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    """The delegation suite's ``table`` job: ``text`` on one database of the sample."""
    return sql_jobs(sample, text, databases=1)
