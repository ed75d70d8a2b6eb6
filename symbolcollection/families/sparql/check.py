"""Reading a SPARQL output: the checker (``rdflib``'s parser, declared terms), the parse-tree
depth (bracket and group-pattern nesting) and the lexer."""

from __future__ import annotations

import re

from symbolcollection import lexing
from symbolcollection.declarations import declarations
from symbolcollection.depth import bracket_depth
from symbolcollection.family import CheckFailed
from symbolcollection.schema import Sample

_PREFIX = re.compile(r"PREFIX\s+(\w*):\s*<([^>]*)>", re.I)


def check_sparql(sample: Sample) -> None:
    """Parse with ``rdflib``'s SPARQL parser (prefixes from the query or ``input``); with a
    ``Properties:``/``Classes:`` declaration every ``prefix:name`` used must be declared."""
    from rdflib.plugins.sparql import prepareQuery

    ns = dict(_PREFIX.findall(sample.input))
    prepareQuery(sample.output, initNs=ns)
    decl = declarations(sample.input)
    names = set(decl.get("Properties", [])) | set(decl.get("Classes", []))
    if names:
        checked = {n.split(":", 1)[0] for n in names}
        body = _PREFIX.sub("", sample.output)
        body = re.sub(r'"[^"]*"', "", body)
        for used in re.findall(r"\b([a-z]\w*:[A-Za-z_]\w*)", body):
            if used.split(":", 1)[0] in checked and used not in names:
                raise CheckFailed(f"sparql: {used} is not declared")


def group_depth(text: str) -> int:
    """Nesting of brackets and group patterns."""
    return bracket_depth(text, "(){}")


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
