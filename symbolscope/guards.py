"""Guards for running SQL and SPARQL that came from a model or a file: no files, no network.

Standard library only and importing nothing of the project, so that the sandbox's harness
(:mod:`analysis.evaluate.harness`, which runs with the project hidden) loads this same file.

- SQL: :func:`query_connection` is an in-memory database (a private copy, built by the trusted
  ``setup`` script under :func:`setup_authorizer`), then switched to ``PRAGMA query_only`` with
  :func:`query_authorizer`, which allows reading only (no ``ATTACH``/``DETACH`` — ``VACUUM INTO``
  attaches its target first —, no ``PRAGMA``, no ``load_extension``, no writes), and a progress
  handler that stops a query after :data:`SQL_STEPS` × 1,000 virtual-machine steps.
- SPARQL: :func:`sparql_refusal` says why a query may not run on the local graph (a ``SERVICE``
  clause, or a ``FROM``/``FROM NAMED`` dataset that ``rdflib`` would fetch); rdflib's loading of
  remote graphs is switched off in :func:`local_sparql`.
"""

from __future__ import annotations

import re
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


_DATASET = re.compile(r"\bFROM\s+(NAMED\s+)?<", re.I)
_SERVICE = re.compile(r"(?<![:\w])SERVICE\s+(SILENT\s+)?(<|[?$]|\w*:)", re.I)
_STRINGS = re.compile(r"'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"", re.S)
_IRIS = re.compile(r"<[^<>\s]*>")


def sparql_refusal(query: str) -> str | None:
    """Why ``query`` may not run on the local graph (``None`` when it may): it names a remote
    endpoint (``SERVICE``) or a dataset to load (``FROM``/``FROM NAMED``). Checked on the text with
    strings removed, and on rdflib's algebra when rdflib is importable."""
    text = _STRINGS.sub('""', query)
    if _SERVICE.search(_IRIS.sub("<>", text)):
        return "SERVICE (a remote endpoint) is refused: queries run on the local graph only"
    if _DATASET.search(text):
        return "FROM / FROM NAMED (loading a graph) is refused: queries run on the local graph only"
    return _algebra_refusal(query)


def _algebra_refusal(query: str) -> str | None:
    try:
        from rdflib.plugins.sparql import prepareQuery

        algebra = prepareQuery(query).algebra
    except Exception:  # not importable here, or not a query: the engine will reject it itself
        return None
    if algebra.get("datasetClause"):
        return "FROM / FROM NAMED (loading a graph) is refused: queries run on the local graph only"
    stack, seen = [algebra], 0
    while stack and seen < 100_000:
        node, seen = stack.pop(), seen + 1
        if getattr(node, "name", None) == "ServiceGraphPattern":
            return "SERVICE (a remote endpoint) is refused: queries run on the local graph only"
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return None


def local_sparql(graph: Any, query: str, namespaces: dict[str, str] | None = None) -> Any:
    """``graph.query(query)`` after :func:`sparql_refusal`, with rdflib's graph loading off."""
    import rdflib.plugins.sparql as rdf_sparql

    rdf_sparql.SPARQL_LOAD_GRAPHS = False
    why = sparql_refusal(query)
    if why:
        raise PermissionError(why)
    return graph.query(query, initNs=namespaces or {})
