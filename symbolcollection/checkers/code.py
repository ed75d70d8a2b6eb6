"""Checkers for programs and queries: SQL (``sqlglot`` and
``sqlite3``)."""

from __future__ import annotations

import re
import sqlite3

from symbolcollection.checkers import CheckFailed
from symbolcollection.schema import Sample
from symbolscope import guards


def schema_ddl(text: str) -> str:
    """The ``CREATE TABLE`` statements in ``text`` (empty if there are none)."""
    stmts = re.findall(r"CREATE TABLE[^;]*;", text, flags=re.I | re.S)
    return "\n".join(stmts)


#: SQLite virtual-machine steps (in units of 1,000) a checked query may take before it is aborted
SQL_STEP_LIMIT = 2_000


def bounded_sqlite() -> sqlite3.Connection:
    """An in-memory SQLite connection that aborts any statement running too long (for example an
    endless recursive CTE in an untrusted file) with ``sqlite3.OperationalError: interrupted``,
    and refuses files and extensions (:func:`symbolscope.guards.private_database`)."""
    return guards.private_database(steps=SQL_STEP_LIMIT)


def sqlite_with_schema(ddl: str) -> sqlite3.Connection:
    """An in-memory, step-bounded SQLite database with the tables of ``ddl`` (no rows), switched
    to reading only (:func:`symbolscope.guards.read_only`): where a query from a file runs."""
    return guards.read_only(guards.private_database(ddl, SQL_STEP_LIMIT), SQL_STEP_LIMIT)


def check_sql(sample: Sample) -> None:
    """Parse with ``sqlglot`` (SQLite dialect, must be a query); when ``input`` holds a
    ``CREATE TABLE`` schema, execute the query in ``sqlite3`` against it."""
    import sqlglot
    from sqlglot import exp

    trees = sqlglot.parse(sample.output, read="sqlite")
    if len(trees) != 1 or trees[0] is None:
        raise CheckFailed(f"sql: expected one statement, got {len(trees)}")
    if not isinstance(trees[0], exp.Query):
        raise CheckFailed(f"sql: not a query ({type(trees[0]).__name__})")
    ddl = schema_ddl(sample.input)
    if ddl:
        conn = sqlite_with_schema(ddl)
        try:
            conn.execute(sample.output).fetchall()
        except sqlite3.Error as err:
            raise CheckFailed(f"sql: sqlite3 rejects it against the schema: {err}") from None
        finally:
            conn.close()
