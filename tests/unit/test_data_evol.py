"""Symbol-Evol keeps samples valid, renames the definitions consistently, and for SQL keeps
execution results (checked here on a real database, filled independently of evol's own check)."""

from __future__ import annotations

import random
import re
import sqlite3

import pytest

from symbolcollection import registry
from symbolcollection.evol import EvolFailed, can_evolve, evolve, original_id
from symbolcollection.families.sql.tables import make_schema, run
from symbolcollection.registry import reason
from symbolcollection.schema import Sample


def _samples(family: str, n: int = 15) -> list[Sample]:
    out = []
    for fam, spec in registry.tasks():
        if fam.name == family:
            for i, d in enumerate(spec.generate(random.Random(5), n)[:n]):
                out.append(
                    Sample(f"{spec.name}-{i}", d.task, d.family, d.instruction, d.input, d.output, d.source)
                )
    return out


@pytest.mark.parametrize("family", ["api_call", "fol", "lambda", "pddl", "python", "sparql", "sql"])
def test_evolved_samples_stay_valid_and_are_marked(family: str) -> None:
    rng = random.Random(0)
    made = 0
    for s in _samples(family):
        assert can_evolve(s)
        e = evolve(s, rng)
        made += 1
        assert reason(e) is None
        assert e.id.endswith("~evol") and original_id(e.id) == s.id
        assert e.source == s.source + "+evol"
        assert (e.task, e.family) == (s.task, s.family)
        assert e.output != s.output
    assert made >= 10


def test_sql_evol_renames_schema_and_keeps_rows_on_real_data() -> None:
    rng = random.Random(1)
    checked = 0
    for _ in range(30):
        schema = make_schema(rng)
        conn = sqlite3.connect(":memory:")
        schema.load(conn)
        col = next(c for c in schema.cols if c.type == "INTEGER")
        sql = f"SELECT {schema.cols[0].name}, {col.name} FROM {schema.table} WHERE {col.name} > {col.lo} ORDER BY id"
        before = run(conn, sql)
        s = Sample("q-1", "nl2sql-select", "sql", "List them.", schema.ddl(), sql, "test")
        e = evolve(s, rng)
        # every defined name is gone from the renamed schema and query
        for name in [schema.table, *(c.name for c in schema.cols)]:
            assert not re.search(rf"\b{name}\b", e.input + " " + e.output), name
        # copy the real rows positionally into the renamed schema and re-run the renamed query
        renamed = sqlite3.connect(":memory:")
        renamed.executescript(e.input)
        new_table = re.search(r"CREATE TABLE (\w+)", e.input).group(1)  # type: ignore[union-attr]
        rows = conn.execute(f"SELECT * FROM {schema.table}").fetchall()
        marks = ", ".join("?" for _ in rows[0])
        renamed.executemany(f"INSERT INTO {new_table} VALUES ({marks})", rows)
        assert run(renamed, e.output) == before
        checked += 1
    assert checked == 30


def test_evol_refuses_families_without_definitions() -> None:
    s = Sample("x", "t", "cron", "every day", "", "0 5 * * *", "test")
    assert not can_evolve(s)
    with pytest.raises(EvolFailed):
        evolve(s, random.Random(0))


def test_evol_is_deterministic_from_rng() -> None:
    s = _samples("fol", 1)[0]
    assert evolve(s, random.Random(4)) == evolve(s, random.Random(4))


def test_evol_share_controls_how_many_are_evolved() -> None:
    from collections import Counter

    from symbolcollection.build import _evolve_split

    samples = _samples("sql", 20) + _samples("cron", 5)
    eligible = [s for s in samples if can_evolve(s)]
    none = _evolve_split(samples, 0.0, random.Random(0), set(), Counter())
    every = _evolve_split(samples, 1.0, random.Random(0), set(), Counter())
    some = _evolve_split(samples, 0.3, random.Random(0), set(), Counter())
    assert none == [] and len(every) == len(eligible) > 0
    assert 0 < len(some) < len(every)
