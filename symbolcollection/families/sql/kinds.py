"""The SQL family's sandbox side: the guard every query from a model or a file runs under, and
the ``sql`` job kind (the query on each of the sample's databases).

Standard library only, importing nothing of the project: the sandbox's harness loads this file as
``kinds_sql.py`` (:attr:`symbolcollection.family.Family.kinds`), and the collection imports the same
guard in-process (a sample's databases, the checker's connections).

:func:`query_connection` is an in-memory database (a private copy, built by the trusted ``setup``
script under :func:`setup_authorizer`), then switched to ``PRAGMA query_only`` with
:func:`query_authorizer`, which allows reading only (no ``ATTACH``/``DETACH`` — ``VACUUM INTO``
attaches its target first —, no ``PRAGMA``, no ``load_extension``, no writes), and a progress
handler that stops a query after :data:`SQL_STEPS` × 1,000 virtual-machine steps.
"""

from __future__ import annotations

import sqlite3
from typing import Any

#: SQLite virtual-machine steps (in units of 1,000) a statement may take before it is interrupted
SQL_STEPS = 20_000
_READ, _SELECT, _FUNCTION, _RECURSIVE = 20, 21, 31, 33
_ATTACH, _DETACH, _PRAGMA = 24, 25, 19
#: SQL functions refused everywhere (extension loading; file access of some builds)
REFUSED_FUNCTIONS = frozenset({"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"})
#: PRAGMAs that take an argument but only read (a table's columns, indexes, keys)
READ_PRAGMAS = frozenset(
    {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list"}
)


def setup_authorizer(action: int, arg1: Any, arg2: Any, db: Any, trigger: Any) -> int:
    """Authorizer for building a private database: everything but files and extensions."""
    if action in (_ATTACH, _DETACH):
        return sqlite3.SQLITE_DENY
    if action == _PRAGMA and arg2 is not None and str(arg1).lower() not in READ_PRAGMAS:
        return sqlite3.SQLITE_DENY  # a PRAGMA with a value writes a setting
    if action == _FUNCTION and str(arg2).lower() in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def query_authorizer(action: int, arg1: Any, arg2: Any, db: Any, trigger: Any) -> int:
    """Authorizer for a generated query: reading tables and calling ordinary functions only."""
    if action in (_READ, _SELECT, _RECURSIVE):
        return sqlite3.SQLITE_OK
    if action == _FUNCTION and str(arg2).lower() not in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def bound_steps(conn: sqlite3.Connection, steps: int = SQL_STEPS) -> None:
    """Interrupt any statement of ``conn`` after ``steps`` × 1,000 virtual-machine steps."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return int(count[0] > steps)

    conn.set_progress_handler(tick, 1000)


def private_database(setup: str = "", steps: int = SQL_STEPS) -> sqlite3.Connection:
    """A new in-memory database built by ``setup`` (a script) under :func:`setup_authorizer`."""
    conn = sqlite3.connect(":memory:")
    conn.set_authorizer(setup_authorizer)
    bound_steps(conn, steps)
    if setup:
        conn.executescript(setup)
    return conn


def read_only(conn: sqlite3.Connection, steps: int = SQL_STEPS) -> sqlite3.Connection:
    """Switch ``conn`` to reading only (``query_only`` + :func:`query_authorizer`), steps reset."""
    conn.set_authorizer(None)
    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(query_authorizer)
    bound_steps(conn, steps)
    return conn


def query_connection(setup: str = "", steps: int = SQL_STEPS) -> sqlite3.Connection:
    """:func:`private_database` of ``setup``, then :func:`read_only`: where generated SQL runs."""
    return read_only(private_database(setup, steps), steps)


def run_sql(job: dict[str, Any], shared: dict[str, Any], conn: Any) -> list[list[Any]]:
    """Rows (at most 10,000) of ``job["query"]`` on each of ``job["databases"]`` (setup scripts)."""
    from jobkinds import plain

    results = []
    for setup in job["databases"]:
        db = query_connection(setup)
        try:
            results.append([plain(r) for r in db.execute(job["query"]).fetchmany(10_000)])
        finally:
            db.close()
    return results


KINDS = {"sql": run_sql}
WARM = {"sql": {"databases": ["CREATE TABLE t(a);"], "query": "SELECT count(*) FROM t"}}
PRELOAD = {"sql": ("sqlite3",)}
