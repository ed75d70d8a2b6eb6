"""SPARQL queries over the collection's RDF graph, run by rdflib in the sandbox."""

from __future__ import annotations

import random

from symbolcollection import depth, lexing, resources
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
    from symbolcollection.declarations import declarations

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


_NAME = r"[A-Za-z_\u00c0-\uffff][\w\u00c0-\uffff.-]*"
#: the terminals of the SPARQL 1.1 grammar (§19.8). A name without ``:`` can only be a keyword or
#: a built-in function (case-insensitive: upper-cased), ``a``, ``true`` or ``false``.
_LEXER = lexing.RegexLexer(
    (
        lexing.Pattern("keyword", r"a"),  # rdf:type (a longer name wins: longest match)
        lexing.Pattern("literal", lexing.words("true", "false", ignore_case=True), str.lower),
        lexing.Pattern("keyword", r"[A-Za-z_]\w*", str.upper),
        lexing.Pattern("identifier", r"[?$]\w+"),  # variable
        lexing.Pattern("identifier", r"<[^<>\"{}|^`\\\x00-\x20]*>"),  # IRI
        lexing.Pattern("identifier", rf"(?:{_NAME})?:(?:[\w\u00c0-\uffff-](?:[\w\u00c0-\uffff.:-]*[\w-])?)?"),
        lexing.Pattern("identifier", r"_:\w+"),  # blank node
        lexing.Pattern(
            "literal", r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
        ),
        lexing.Pattern("literal", r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*"),  # language tag
        lexing.Pattern("literal", r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"),
        lexing.Pattern("punctuation", r"\^\^|[{}()\[\].,;]"),
        lexing.Pattern("operator", r"&&|\|\||!=|<=|>=|[=<>!+\-*/|^]"),
    ),
    skip=r"\s+|#[^\n]*",
)


def lex_sparql(text: str) -> list[lexing.Symbol]:
    """SPARQL symbols: keywords and built-in functions upper-cased keywords, ``a`` a keyword,
    variables, IRIs, prefixed names and blank nodes identifiers, strings, numbers, ``true``/``false``
    and language tags literals, brackets ``.`` ``,`` ``;`` ``^^`` punctuation, the rest operators;
    ``#`` comments are trivia."""
    return _LEXER(text)


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
    lex=lex_sparql,
)
