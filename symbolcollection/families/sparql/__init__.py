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
    concepts={  # W3C SPARQL 1.1 Query Language (Recommendation, 21 March 2013)
        "existential": ("ASK",),  # §16.3 ASK: whether or not a query pattern has a solution
        "order_comparison": (">",),  # §17.3 Operator Mapping: A > B (op:numeric-greater-than, ...)
        "aggregation": ("COUNT", "AVG"),  # §11 Aggregates; §18.5 set functions Count, Avg
        "ordering": ("ORDER", "DESC"),  # §15.1 ORDER BY (lexed as ORDER, BY; BY alone is left unmapped)
        "limit": ("LIMIT",),  # §15.5 LIMIT: an upper bound on the number of solutions
        "filtering": ("FILTER",),  # §17 Expressions and Testing Values: FILTER restricts solutions
        "projection": ("SELECT",),  # §15.2 Projection; §16.1 SELECT
    },
    kinds=kinds.__file__,
)
