"""SPARQL queries over the collection's RDF graph, run by rdflib in the sandbox."""

from __future__ import annotations

from trainer.data import depth, evol, resources
from trainer.data.checkers.logic import check_sparql
from trainer.data.execution import sparql_jobs, sparql_judge
from trainer.data.family import Execution, Family, Rule, Task
from trainer.data.tasks import sparql
from trainer.data.tasks.base import GEN


def group_depth(text: str) -> int:
    """Nesting of brackets and group patterns."""
    return depth.bracket_depth(text, "(){}")


FAMILY = Family(
    name="sparql",
    languages=sparql.LANGS,
    tasks=(
        Task("nl2sparql-lookup", "generated RDF graph", GEN, sparql.gen_lookup, 160),
        Task("nl2sparql-aggregate", "generated RDF graph", GEN, sparql.gen_aggregate, 150),
    ),
    check=check_sparql,
    execution=Execution(
        "same results on the collection's RDF graph",
        sparql_judge,
        sparql_jobs,
        shared=resources.sparql_shared,
    ),
    evolve=evol._evolve_sparql,
    depth=group_depth,
    one_line=True,
    infer=(Rule(10, r"(?is)^\s*(PREFIX\s.*)?(SELECT|ASK|CONSTRUCT|DESCRIBE)\b[^{]*\{"),),
    packages=("rdflib",),
)
