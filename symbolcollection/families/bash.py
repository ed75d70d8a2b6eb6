"""Bash commands: parsed with bashlex, never executed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from symbolcollection import depth, lexing
from symbolcollection.checkers.code import check_bash
from symbolcollection.family import Family, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks import bash
from symbolcollection.tasks.base import GEN
from symbolscope.sources import available


def provenance(samples: Sequence[Sample]) -> dict[str, Any]:
    """The NL2Bash files shipped by icalfa, when the source is installed."""
    if not available("nl2bash"):
        return {}
    return {"files": {f"icalfa/assets/datasets/{p.name}": p for p in bash.icalfa_files()}}


def lex_bash(text: str) -> list[lexing.Symbol]:
    """Shell symbols by ``bashlex``'s tokenizer (a port of bash's own): reserved words and option
    words (``-name``, ``--all``) keywords, command names, assignments and ``$`` words identifiers,
    other words (paths, patterns, quoted strings) and numbers literals, control and redirection
    operators operators, ``(`` ``)`` ``{`` ``}`` punctuation; ``#`` comments are trivia."""
    from bashlex import state, tokenizer

    kinds = tokenizer.tokentype
    out = []
    command = True  # the next word names a command
    for tok in tokenizer.tokenizer(text, state.parserstate()):
        if tok.ttype in (kinds.NEWLINE, kinds.EOF) or tok.lexpos >= tok.endlexpos:
            command = True
            continue
        cls, command = _bash_class(tok, command, kinds)
        out.append(lexing.Symbol(text[tok.lexpos : tok.endlexpos], cls, tok.lexpos, tok.endlexpos))
    return lexing.assemble(text, out, skip=r"\s+|#[^\n]*|\\\n")


def _bash_class(tok: Any, command: bool, kinds: Any) -> tuple[lexing.SymbolClass, bool]:
    """The class of one bashlex token, and whether the next word names a command."""
    value = str(tok.value)
    if tok.ttype == kinds.ASSIGNMENT_WORD:
        return "identifier", command
    if tok.ttype == kinds.WORD:
        if command or value.startswith("$"):
            return "identifier", False
        return ("keyword" if re.fullmatch(r"--?[^-\s]\S*", value) else "literal"), False
    if tok.ttype == kinds.NUMBER:
        return "literal", False
    if value in ("(", ")", "{", "}"):
        return "punctuation", True
    if value.isalpha() or value == "!":  # reserved words: if then for in do done ... and !
        return "keyword", value not in ("in", "esac")
    return "operator", value in ("|", "||", "&&", ";", "&", "|&", ";;")


FAMILY = Family(
    name="bash",
    languages=bash.LANGS,
    tasks=(
        Task(
            "nl2bash-icalfa",
            "NL2Bash pairs shipped by icalfa",
            "MIT (icalfa)",
            bash.gen_nl2bash,
            300,
            needs="nl2bash",
        ),
        Task("nl2bash-filesystem", "command templates", GEN, bash.gen_commands, 120),
    ),
    check=check_bash,
    no_execution="parsed with bashlex, never executed: exact match only",
    depth=depth.bash_depth,
    one_line=True,
    infer=(Rule(40, r"(?i)\b(bash|shell|command line|terminal)\b", "instruction"),),
    provenance=provenance,
    packages=("bashlex",),
    lex=lex_bash,
)
