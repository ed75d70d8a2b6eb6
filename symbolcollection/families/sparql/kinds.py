"""The SPARQL family's sandbox side: the guard every query runs under and the ``sparql`` job kind
(the query's results on the collection's graph, given as the batch's shared input).

Standard library and ``rdflib`` only, importing nothing of the project: the sandbox's harness
loads this file as ``kinds_sparql.py`` (:attr:`symbolcollection.family.Family.kinds`).

:func:`sparql_refusal` says why a query may not run on the local graph (a ``SERVICE`` clause, or a
``FROM``/``FROM NAMED`` dataset that ``rdflib`` would fetch); rdflib's loading of remote graphs is
switched off in :func:`local_sparql`.
"""

from __future__ import annotations

import re
from typing import Any

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


_GRAPH: dict[str, Any] = {}


def _graph(shared: dict[str, Any]) -> Any:
    from rdflib import Graph

    if "g" not in _GRAPH:
        _GRAPH["g"] = Graph().parse(data=shared["graph_nt"], format="nt")
    return _GRAPH["g"]


def run_sparql(job: dict[str, Any], shared: dict[str, Any], conn: Any) -> dict[str, Any]:
    """``{"ask": bool}`` or ``{"rows": [[str | None]]}`` (at most 10,000) of the query on the graph."""
    result = local_sparql(_graph(shared), job["query"], shared.get("namespaces"))
    if result.type == "ASK":
        return {"ask": bool(result.askAnswer)}
    return {"rows": [[None if v is None else str(v) for v in row] for row in list(result)[:10_000]]}


KINDS = {"sparql": run_sparql}
WARM = {"sparql": {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"}}
PRELOAD = {"sparql": ("rdflib", "rdflib.plugins.sparql")}
