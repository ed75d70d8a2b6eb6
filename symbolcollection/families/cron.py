"""Five-field cron schedules, compared by their next fire times (croniter)."""

from __future__ import annotations

from symbolcollection import lexing
from symbolcollection.checkers.structured import CRON_GRAMMAR, check_cron
from symbolcollection.execution import CRON_FIRES, CRON_START, cron_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.tasks import cron
from symbolcollection.tasks.base import GEN


def _cron_class(name: str, text: str) -> lexing.SymbolClass:
    return {"NUMBER": "literal", "NAME": "literal", "COMMA": "punctuation"}.get(name, "operator")


#: the terminals of the checker's grammar: numbers and names literals, ``*`` ``-`` ``/`` operators
_LEXER = lexing.lark_lexer(CRON_GRAMMAR, _cron_class, str.upper)


def lex_cron(text: str) -> list[lexing.Symbol]:
    """Cron symbols by the checker's ``lark`` grammar: numbers and month or day names (upper-cased)
    literals, ``*`` (every), ``-`` (range) and ``/`` (step) operators, ``,`` punctuation."""
    return _LEXER(text)


FAMILY = Family(
    name="cron",
    languages=cron.LANGS,
    tasks=(Task("nl2cron-schedules", "schedule phrase generator", GEN, cron.gen_cron, 300),),
    check=check_cron,
    execution=Execution(f"same next {CRON_FIRES} fire times from {CRON_START:%Y-%m-%d}", cron_judge),
    no_depth="five flat schedule fields: no nesting",
    one_line=True,
    infer=(Rule(70, r"^\s*([\d*/,\-]+\s+){4}[\d*/,\-]+\s*$"),),
    packages=("lark",),
    lex=lex_cron,
)
