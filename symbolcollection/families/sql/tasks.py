"""NL→SQL over generated schemas: each sample gets its own small schema (random table name,
column subset) and database; the gold query must execute in ``sqlite3`` and return rows."""

from __future__ import annotations

import random
import re
import sqlite3

from symbolcollection.families.sql.tables import TABLES, Col, Schema, filled_database, make_schema, run
from symbolcollection.rename import EvolFailed, fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import Draft, phrase, pick

LANGS = ("an SQL query", "a SQLite query", "SQL", "a SQL statement")
SOURCE = "generated:sql-schemas"


def _lit(v: object) -> str:
    return f"'{v}'" if isinstance(v, str) else str(v)


def _select(rng: random.Random, s: Schema) -> tuple[str, str]:
    nums = [c for c in s.cols if c.type == "INTEGER"]
    cats = [c for c in s.cols[1:] if c.type == "TEXT"]
    key = s.cols[0]
    t, pl = s.table, s.spec.plural
    kinds = ["gt", "lt", "top", "between"] + (["eq", "eq_and", "distinct"] if cats else [])
    kind = rng.choice(kinds)
    n = rng.choice(nums) if nums else None
    row = rng.choice(s.rows)
    if kind in ("gt", "lt") and n:
        v = row[s.cols.index(n)]
        op, word = (
            (">", rng.choice(("greater than", "above", "over", "more than")))
            if kind == "gt"
            else ("<", rng.choice(("less than", "below", "under", "smaller than")))
        )
        q = pick(
            rng,
            (
                "List the {k} of {pl} whose {n} is {w} {v}.",
                "Which {pl} have a {n} {w} {v}? Show their {k}.",
                "Show the {k} of every {s} with {n} {w} {v}.",
                "Give me {pl} ({k} only) where the {n} is {w} {v}.",
            ),
            k=key.nl,
            pl=pl,
            s=s.spec.noun,
            n=n.nl,
            w=word,
            v=v,
        )
        return q, f"SELECT {key.name} FROM {t} WHERE {n.name} {op} {v}"
    if kind == "top" and n:
        k = rng.randint(1, 5)
        desc = rng.random() < 0.6
        q = pick(
            rng,
            (
                "Which {k} {pl} have the {adj} {n}? Return their {key}.",
                "Top {k} {pl} by {n} ({dir}): show the {key}.",
                "Show the {key} of the {k} {pl} with the {adj} {n}.",
                "Find the {k} {pl} whose {n} is {adj}, listing {key}.",
            ),
            k=k,
            pl=pl,
            n=n.nl,
            key=key.nl,
            adj="highest" if desc else "lowest",
            dir="descending" if desc else "ascending",
        )
        return q, f"SELECT {key.name} FROM {t} ORDER BY {n.name} {'DESC' if desc else 'ASC'} LIMIT {k}"
    if kind == "between" and n:
        a, b = sorted(rng.sample([r[s.cols.index(n)] for r in s.rows], 2))
        q = pick(
            rng,
            (
                "Which {pl} have a {n} between {a} and {b}? Give the {key}.",
                "List {key} of {pl} with {n} from {a} to {b} inclusive.",
                "Show every {s} whose {n} lies between {a} and {b} (the {key}).",
            ),
            pl=pl,
            n=n.nl,
            a=a,
            b=b,
            key=key.nl,
            s=s.spec.noun,
        )
        return q, f"SELECT {key.name} FROM {t} WHERE {n.name} BETWEEN {a} AND {b}"
    return _select_by_category(rng, s, kind, n, row)


def _select_by_category(
    rng: random.Random, s: Schema, kind: str, n: Col | None, row: tuple[object, ...]
) -> tuple[str, str]:
    """The rest of :func:`_select`: conditions on a text column (``distinct``, ``eq_and``, ``eq``)."""
    cats = [c for c in s.cols[1:] if c.type == "TEXT"]
    key = s.cols[0]
    t, pl = s.table, s.spec.plural
    c = rng.choice(cats)
    v = row[s.cols.index(c)]
    if kind == "distinct":
        q = pick(
            rng,
            (
                "What distinct {c} values appear among the {pl}?",
                "List each {c} of the {pl} once.",
                "Show the different {c}s found in the {pl} table.",
                "Which {c}s occur among {pl}? No duplicates.",
            ),
            c=c.nl,
            pl=pl,
        )
        return q, f"SELECT DISTINCT {c.name} FROM {t}"
    if kind == "eq_and" and n:
        nv = row[s.cols.index(n)]
        q = pick(
            rng,
            (
                "Find {pl} with {c} {v} and a {n} of at least {nv}; show the {key}.",
                "Which {pl} in {c} {v} have {n} no lower than {nv}? Give their {key}.",
                "List the {key} of {pl} whose {c} is {v} and whose {n} is {nv} or more.",
            ),
            pl=pl,
            c=c.nl,
            v=v,
            n=n.nl,
            nv=nv,
            key=key.nl,
        )
        return q, f"SELECT {key.name} FROM {t} WHERE {c.name} = {_lit(v)} AND {n.name} >= {nv}"
    q = pick(
        rng,
        (
            "Show the {key} of all {pl} whose {c} is {v}.",
            "Which {pl} have {v} as their {c}? List the {key}.",
            "Give the {key} for {pl} with {c} equal to {v}.",
            "Find every {s} from {c} {v} and return its {key}.",
        ),
        key=key.nl,
        pl=pl,
        c=c.nl,
        v=v,
        s=s.spec.noun,
    )
    return q, f"SELECT {key.name} FROM {t} WHERE {c.name} = {_lit(v)}"


def _aggregate(rng: random.Random, s: Schema) -> tuple[str, str]:
    nums = [c for c in s.cols if c.type == "INTEGER"]
    cats = [c for c in s.cols[1:] if c.type == "TEXT"]
    t, pl = s.table, s.spec.plural
    n = rng.choice(nums)
    row = rng.choice(s.rows)
    fn, fword = rng.choice((("AVG", "average"), ("MAX", "maximum"), ("MIN", "minimum"), ("SUM", "total")))
    kinds = ["count", "agg"] + (["group", "having", "agg_where"] if cats else [])
    kind = rng.choice(kinds)
    if kind == "count":
        v = row[s.cols.index(n)]
        q = pick(
            rng,
            (
                "How many {pl} have a {n} above {v}?",
                "Count the {pl} whose {n} exceeds {v}.",
                "What is the number of {pl} with {n} greater than {v}?",
            ),
            pl=pl,
            n=n.nl,
            v=v,
        )
        return q, f"SELECT COUNT(*) FROM {t} WHERE {n.name} > {v}"
    if kind == "agg":
        q = pick(
            rng,
            (
                "What is the {f} {n} of all {pl}?",
                "Compute the {f} {n} across the {pl}.",
                "Give the {f} {n} over every {s}.",
            ),
            f=fword,
            n=n.nl,
            pl=pl,
            s=s.spec.noun,
        )
        return q, f"SELECT {fn}({n.name}) FROM {t}"
    return _aggregate_by_category(rng, s, kind, n, row, fn, fword)


def _aggregate_by_category(
    rng: random.Random, s: Schema, kind: str, n: Col, row: tuple[object, ...], fn: str, fword: str
) -> tuple[str, str]:
    """The rest of :func:`_aggregate`: grouped or filtered by a text column (``group``, ``having``,
    ``agg_where``)."""
    cats = [c for c in s.cols[1:] if c.type == "TEXT"]
    t, pl = s.table, s.spec.plural
    c = rng.choice(cats)
    if kind == "group":
        q = pick(
            rng,
            (
                "For each {c}, what is the {f} {n} of the {pl}?",
                "Show the {f} {n} of {pl} per {c}.",
                "Group the {pl} by {c} and give the {f} {n} of each group.",
            ),
            c=c.nl,
            f=fword,
            n=n.nl,
            pl=pl,
        )
        return q, f"SELECT {c.name}, {fn}({n.name}) FROM {t} GROUP BY {c.name}"
    if kind == "having":
        k = rng.randint(1, 3)
        q = pick(
            rng,
            (
                "Which {c}s have more than {k} {pl}?",
                "List every {c} shared by over {k} {pl}.",
                "Show the {c} values that occur for more than {k} {pl}.",
            ),
            c=c.nl,
            k=k,
            pl=pl,
        )
        return q, f"SELECT {c.name} FROM {t} GROUP BY {c.name} HAVING COUNT(*) > {k}"
    v = row[s.cols.index(c)]
    q = pick(
        rng,
        (
            "What is the {f} {n} of {pl} whose {c} is {v}?",
            "Among {pl} with {c} {v}, give the {f} {n}.",
            "Compute the {f} {n} for the {pl} in {c} {v}.",
        ),
        f=fword,
        n=n.nl,
        pl=pl,
        c=c.nl,
        v=v,
    )
    return q, f"SELECT {fn}({n.name}) FROM {t} WHERE {c.name} = {_lit(v)}"


def _join(rng: random.Random) -> tuple[str, str, list[Schema]]:
    owner = make_schema(rng, rng.choice(TABLES))
    owned_spec = rng.choice([t for t in TABLES if t is not owner.spec])
    owned = make_schema(rng, owned_spec)
    fk = f"{owner.spec.noun}_id"
    conn_rows = tuple((*r, rng.randint(1, len(owner.rows))) for r in owned.rows)
    owned = Schema(owned.table, owned.spec, (*owned.cols, Col(fk, "INTEGER", fk)), conn_rows)
    o_row = rng.choice(owner.rows)
    key_o, key_d = owner.cols[0], owned.cols[0]
    a, b = "t1", "t2"
    kind = rng.choice(("names", "count"))
    if kind == "names":
        q = pick(
            rng,
            (
                "List the {kd} of the {pd} that belong to the {so} with {ko} {v}.",
                "Which {pd} are linked to the {so} whose {ko} is {v}? Show their {kd}.",
                "Show the {kd} of every {sd} associated with {so} {v}.",
            ),
            kd=key_d.nl,
            pd=owned.spec.plural,
            so=owner.spec.noun,
            ko=key_o.nl,
            v=o_row[0],
            sd=owned.spec.noun,
        )
        sql = (
            f"SELECT {b}.{key_d.name} FROM {owned.table} AS {b} JOIN {owner.table} AS {a} ON {b}.{fk} = {a}.id "
            f"WHERE {a}.{key_o.name} = {_lit(o_row[0])}"
        )
    else:
        q = pick(
            rng,
            (
                "For each {so} {ko}, how many {pd} does it have?",
                "Count the {pd} per {so}, showing the {so} {ko}.",
                "Show every {so} {ko} with the number of {pd} linked to it.",
            ),
            so=owner.spec.noun,
            ko=key_o.nl,
            pd=owned.spec.plural,
        )
        sql = (
            f"SELECT {a}.{key_o.name}, COUNT(*) FROM {owner.table} AS {a} JOIN {owned.table} AS {b} "
            f"ON {b}.{fk} = {a}.id GROUP BY {a}.id"
        )
    return q, sql, [owner, owned]


def _gen(task: str, kind: str, rng: random.Random, n: int) -> list[Draft]:
    out: list[Draft] = []
    attempts = 0
    while len(out) < n and attempts < n * 5:
        attempts += 1
        if kind == "join":
            q, sql, schemas = _join(rng)
            if schemas[0].table == schemas[1].table:
                continue
        else:
            schemas = [make_schema(rng)]
            q, sql = (_select if kind == "select" else _aggregate)(rng, schemas[0])
        conn = sqlite3.connect(":memory:")
        for s in schemas:
            s.load(conn)
        rows = run(conn, sql)
        conn.close()
        if not rows or rows == [(None,)] or rows == [(0,)]:
            continue
        ddl = "\n".join(s.ddl() for s in schemas)
        out.append(phrase(rng, task, "sql", q, LANGS, sql, SOURCE, input_text=ddl))
    return out


def gen_select(rng: random.Random, n: int) -> list[Draft]:
    """Single-table filter/order queries over generated schemas."""
    return _gen("nl2sql-select", "select", rng, n)


def gen_aggregate(rng: random.Random, n: int) -> list[Draft]:
    """COUNT/AVG/MAX/GROUP BY/HAVING queries over generated schemas."""
    return _gen("nl2sql-aggregate", "aggregate", rng, n)


def gen_join(rng: random.Random, n: int) -> list[Draft]:
    """Two-table JOIN queries over generated schemas with a foreign key."""
    return _gen("nl2sql-join", "join", rng, n)


# --- Symbol-Evol: tables and columns renamed, checked on databases filled by position ----------


def _sql_mapping(sample: Sample, rng: random.Random) -> dict[str, str]:
    names: list[str] = []
    for table, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\);", sample.input, flags=re.S):
        names.append(table)
        names += [c.split()[0] for c in body.split(",") if c.strip()]
    taken: set[str] = set()
    return {n: fresh_name(rng, "lower", taken) for n in dict.fromkeys(names)}


def _rename_sql_query(sql: str, mapping: dict[str, str]) -> str:
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="sqlite")
    for ident in tree.find_all(exp.Identifier):
        if ident.this in mapping:
            ident.set("this", mapping[ident.this])
    return tree.sql(dialect="sqlite")


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """Tables and columns renamed; the renamed query must return the same rows on the renamed
    database as the original on the original (both filled by position)."""
    mapping = _sql_mapping(sample, rng)
    new_input = rename_words(sample.input, mapping)
    new_output = _rename_sql_query(sample.output, mapping)
    literals = re.findall(r"'[^']*'|\b\d+\b", sample.output)
    a = filled_database(sample.input, sample.id, literals)
    b = filled_database(new_input, sample.id, literals)
    try:
        before, after = a.execute(sample.output).fetchall(), b.execute(new_output).fetchall()
    except sqlite3.Error as err:
        raise EvolFailed(f"sql: {err}") from None
    finally:
        a.close()
        b.close()
    if before != after:
        raise EvolFailed("sql: the renamed query returns different rows")
    return renamed(sample, rename_words(sample.instruction, mapping), new_input, new_output)
