"""XPath location paths over generated XML catalogues (ElementPath)."""

from __future__ import annotations

from symbolcollection import lexing, normalise
from symbolcollection.checkers.structured import check_xpath
from symbolcollection.execution import xpath_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.tasks import xpath
from symbolcollection.tasks.base import GEN

_NAME = r"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
#: XPath 1.0's lexical structure (§3.7): a name before ``::`` is an axis, before ``(`` a node test
#: or function
_LEXER = lexing.RegexLexer(
    (
        lexing.Pattern("keyword", rf"{_NAME}(?=\s*(?:::|\())"),
        lexing.Pattern("keyword", lexing.words("and", "or", "div", "mod")),
        lexing.Pattern("identifier", rf"\$?{_NAME}"),  # element, attribute, $variable
        lexing.Pattern("literal", r"'[^']*'|\"[^\"]*\""),
        lexing.Pattern("literal", r"\d+(?:\.\d*)?|\.\d+"),
        lexing.Pattern("operator", r"//|/|\||!=|<=|>=|[=<>+\-*]"),
        lexing.Pattern("punctuation", r"::|\.\.|[\[\]().,@]"),
    ),
)


def lex_xpath(text: str) -> list[lexing.Symbol]:
    """XPath symbols: axis names, node tests, function names and ``and`` ``or`` ``div`` ``mod``
    keywords, element and attribute names and variables identifiers, strings and numbers literals,
    ``/`` ``//`` ``|``, comparisons and arithmetic operators, ``[`` ``]`` ``(`` ``)`` ``@`` ``.``
    ``..`` ``::`` ``,`` punctuation."""
    return _LEXER(text)


FAMILY = Family(
    name="xpath",
    languages=xpath.LANGS,
    tasks=(Task("nl2xpath-catalogue", "generated XML catalogues", GEN, xpath.gen_xpath, 300),),
    check=check_xpath,
    exact=normalise.no_space,
    exact_rule="all whitespace removed",
    execution=Execution("selects the same elements of the sample's XML", xpath_judge),
    no_depth="a location path is a flat sequence of steps (predicates barely nest)",
    one_line=True,
    infer=(Rule(110, r"^\s*/{1,2}[A-Za-z*@]"),),
    lex=lex_xpath,
)
