"""What a SPARQL query executes against (the collection's RDF graph, shared by every job) and how
its results are judged."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from symbolcollection.execution import first_ok, rows_equal
from symbolcollection.families.sparql.tasks import NS, RES, graph
from symbolcollection.family import Outcome
from symbolcollection.schema import Sample


@functools.cache
def sparql_shared() -> dict[str, Any]:
    """The SPARQL graph as N-Triples text and its prefixes (the sandbox's shared input)."""
    return {"graph_nt": graph().serialize(format="nt"), "namespaces": {"ex": NS, "res": RES}}


def sparql_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    return [{"kind": "sparql", "query": text}]


def sparql_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    p, g = first_ok(pred), first_ok(gold)
    if p is None or g is None:
        return False
    if "ask" in g.value:
        return p.value == g.value
    return "rows" in p.value and rows_equal(
        p.value["rows"], g.value["rows"], "order by" in sample.output.lower()
    )
