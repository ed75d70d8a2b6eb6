"""SQL and SPARQL from a model or a file cannot touch files or the network."""

from __future__ import annotations

import sqlite3

import pytest
from support.hostile import watched_server

from symbolcollection.families.sparql import kinds as sparql_guard
from symbolcollection.families.sql import kinds as sql_guard
from symbolcollection.registry import reason
from symbolcollection.schema import Sample

SETUP = "CREATE TABLE t(a INTEGER, b TEXT);\nINSERT INTO t VALUES (1, 'x'), (2, 'y');"


@pytest.mark.parametrize(
    "query",
    [
        "VACUUM INTO '{d}/vacuumed.db'",
        "ATTACH DATABASE '{d}/attached.db' AS other",
        "SELECT load_extension('{d}/evil')",
        "PRAGMA query_only = OFF",
        "INSERT INTO t VALUES (3, 'z')",
        "DELETE FROM t",
        "CREATE TABLE u(x)",
    ],
)
def test_a_generated_query_cannot_write_attach_or_load(tmp_path, query):
    conn = sql_guard.query_connection(SETUP)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute(query.format(d=tmp_path)).fetchall()
    assert list(tmp_path.iterdir()) == []
    assert conn.execute("SELECT a, b FROM t ORDER BY a").fetchall() == [(1, "x"), (2, "y")]


def test_a_runaway_query_is_interrupted():
    conn = sql_guard.query_connection(SETUP, steps=50)
    endless = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c"
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        conn.execute(endless).fetchall()


def test_a_setup_script_from_a_file_cannot_attach_a_file(tmp_path):
    with pytest.raises(sqlite3.DatabaseError):
        sql_guard.private_database(f"ATTACH DATABASE '{tmp_path}/side.db' AS s; CREATE TABLE s.t(x);")
    assert list(tmp_path.iterdir()) == []


def test_the_sql_checker_refuses_what_writes(tmp_path):
    """The collection's checker runs an output against its schema: read-only, no files."""
    target = tmp_path / "x.db"
    sample = Sample(
        "s-1",
        "nl2sql-select",
        "sql",
        "Q",
        "CREATE TABLE t(a INTEGER);",
        f"SELECT a FROM t WHERE a IN (SELECT load_extension('{target}'))",
        "test",
    )
    assert "not authorized" in (reason(sample) or "")
    assert not target.exists()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?s WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
        "SELECT ?s WHERE { service   silent <{url}/x> { ?s ?p ?o } }",
        "SELECT ?s FROM <{url}/graph.nt> WHERE { ?s ?p ?o }",
        "SELECT ?s FROM NAMED <{url}/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
    ],
)
def test_sparql_runs_on_the_local_graph_only(query):
    from rdflib import Graph

    graph = Graph().parse(data="<http://e/a> <http://e/p> <http://e/b> .", format="nt")
    with watched_server() as (url, hits):
        q = query.replace("{url}", url)
        assert sparql_guard.sparql_refusal(q) is not None
        with pytest.raises(PermissionError):
            sparql_guard.local_sparql(graph, q)
    assert hits == []


def test_a_local_query_naming_a_service_property_still_runs():
    from rdflib import Graph

    graph = Graph().parse(data="<http://e/a> <http://e/service> <http://e/b> .", format="nt")
    q = 'PREFIX ex: <http://e/> SELECT ?o WHERE { ?s ex:service ?o FILTER(?o != "SERVICE <x>") }'
    assert sparql_guard.sparql_refusal(q) is None
    assert [str(r[0]) for r in sparql_guard.local_sparql(graph, q)] == ["http://e/b"]
