"""Regular expressions (Python's ``re``), judged on the request's positive and negative examples."""

from __future__ import annotations

import re

from symbolcollection import depth, lexing
from symbolcollection.checkers.code import check_regex
from symbolcollection.execution import regex_jobs, regex_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.tasks import regex
from symbolcollection.tasks.base import GEN


def compiles(text: str) -> bool:
    """Whether ``text`` compiles as a pattern (the evaluation's "parsed": the checker would run
    the examples in process)."""
    try:
        re.compile(text)
    except (re.error, RecursionError, OverflowError, ValueError):
        return False
    return True


#: inside ``[...]``: class escapes keywords, a range ``a-z`` one literal, other members a run
_SET_ITEMS = lexing.RegexLexer(
    (
        lexing.Pattern("keyword", r"\\[dDwWsS]"),
        lexing.Pattern("literal", r"(?:\\.|[^\\])-(?:\\.|[^\\])"),
        lexing.Pattern("literal", r"(?:(?:\\[^dDwWsS]|[^\\])(?!-.))+"),
    ),
    skip=r"(?!)",
)


def _set(text: str, start: int, end: int) -> list[lexing.Symbol]:
    """The symbols of the character set ``text[start:end]`` (``[`` ... ``]``)."""
    out = [lexing.Symbol("[", "punctuation", start, start + 1)]
    pos = start + 1
    if text[pos] == "^":
        out.append(lexing.Symbol("^", "operator", pos, pos + 1))
        pos += 1
    out += _SET_ITEMS.lex(text, pos, end - 1)
    return [*out, lexing.Symbol("]", "punctuation", end - 1, end)]


#: Python ``re`` syntax; spaces are pattern characters, only the ends are trivia
_LEXER = lexing.RegexLexer(
    (
        lexing.Pattern("punctuation", r"\[\^?\]?(?:\\.|[^\]\\])*\]", inner=_set),
        lexing.Pattern("punctuation", r"\((?:\?(?:P?<\w+>|<[=!]|[:=!>]|[aiLmsux-]+:?))?|\)"),
        lexing.Pattern("operator", r"(?:[*+?]|\{\d*(?:,\d*)?\})[?+]?|\|"),
        lexing.Pattern("keyword", r"\\[dDwWsSbBAZ]|[.^$]"),
        lexing.Pattern("identifier", r"\\[1-9]\d?|\(\?P=\w+\)"),  # back-reference
        lexing.Pattern("literal", r"\\.|(?:[^\\\[\](){}|*+?.^$]|\{(?!\d*(?:,\d*)?\}))+|[\]{}]"),
    ),
    skip=r"^\s+|\s+$",
)


def lex_regex(text: str) -> list[lexing.Symbol]:
    """Regular-expression symbols (Python ``re`` syntax): a run of plain characters or an escaped
    character one literal, quantifiers and ``|`` operators, ``.``, anchors and ``\\d``-style classes
    keywords, group brackets (``(?:`` whole) punctuation, back-references identifiers; in ``[...]``
    the brackets are punctuation, a leading ``^`` an operator, a range ``a-z`` one literal."""
    return _LEXER(text)


FAMILY = Family(
    name="regex",
    languages=regex.LANGS,
    tasks=(Task("nl2regex-compositional", "compositional generator", GEN, regex.gen_regex, 300),),
    check=check_regex,
    exact=str.strip,
    exact_rule="stripped",
    execution=Execution(
        "accepts every positive and rejects every negative example of the request", regex_judge, regex_jobs
    ),
    parses=compiles,
    depth=depth.regex_depth,
    one_line=True,
    infer=(Rule(30, r"(?i)\b(regular expression|regex)\b", "instruction"),),
    lex=lex_regex,
)
