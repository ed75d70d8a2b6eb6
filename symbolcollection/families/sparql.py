"""SPARQL queries over the collection's RDF graph, run by rdflib in the sandbox."""

from __future__ import annotations

import random

from symbolcollection import depth, resources
from symbolcollection.checkers.logic import check_sparql
from symbolcollection.execution import sparql_jobs, sparql_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks import sparql
from symbolcollection.tasks.base import GEN


def group_depth(text: str) -> int:
    """Nesting of brackets and group patterns."""
    return depth.bracket_depth(text, "(){}")


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The declared properties and classes renamed (prefixes kept)."""
    from symbolcollection.checkers.logic import declarations

    decl = declarations(sample.input)
    taken: set[str] = set()
    mapping = {}
    for term in decl.get("Properties", []) + decl.get("Classes", []):
        prefix, local = term.split(":", 1)
        mapping[term] = f"{prefix}:{fresh_name(rng, 'upper' if local[:1].isupper() else 'lower', taken)}"
    return renamed(
        sample,
        sample.instruction,
        rename_words(sample.input, mapping, r"[\w:]"),
        rename_words(sample.output, mapping, r"[\w:]"),
    )


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
    evolve=evolve,
    depth=group_depth,
    one_line=True,
    infer=(Rule(10, r"(?is)^\s*(PREFIX\s.*)?(SELECT|ASK|CONSTRUCT|DESCRIBE)\b[^{]*\{"),),
    packages=("rdflib",),
)
