"""SPARQL queries over the collection's RDF graph, run by rdflib in the sandbox."""

from __future__ import annotations

from symbolcollection.families.sparql import kinds, tasks
from symbolcollection.families.sparql.check import check_sparql, group_depth, lex_sparql
from symbolcollection.families.sparql.execution import sparql_jobs, sparql_judge, sparql_shared
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.tasks.base import GEN

FAMILY = Family(
    name="sparql",
    languages=tasks.LANGS,
    tasks=(
        Task("nl2sparql-lookup", "generated RDF graph", GEN, tasks.gen_lookup, 160),
        Task("nl2sparql-aggregate", "generated RDF graph", GEN, tasks.gen_aggregate, 150),
    ),
    check=check_sparql,
    execution=Execution(
        "same results on the collection's RDF graph",
        sparql_judge,
        sparql_jobs,
        shared=sparql_shared,
    ),
    evolve=tasks.evolve,
    depth=group_depth,
    one_line=True,
    infer=(Rule(10, r"(?is)^\s*(PREFIX\s.*)?(SELECT|ASK|CONSTRUCT|DESCRIBE)\b[^{]*\{"),),
    packages=("rdflib",),
    lex=lex_sparql,
    kinds=kinds.__file__,
)
