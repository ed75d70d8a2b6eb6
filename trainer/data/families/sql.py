"""SQL (SQLite dialect): queries over generated schemas, checked by sqlglot and sqlite3, executed
on several filled databases of the schema."""

from __future__ import annotations

import re

from trainer.data import depth, evol, lexing, normalise, resources
from trainer.data.checkers.code import check_sql
from trainer.data.delegation import table_jobs
from trainer.data.execution import sql_jobs, sql_judge
from trainer.data.family import Execution, Family, Rule, Task
from trainer.data.tasks import sql
from trainer.data.tasks.base import GEN

SOURCE = "generated schemas + sqlite3 databases"


def lex_sql(text: str) -> list[lexing.Symbol]:
    """SQL symbols by ``sqlglot``'s SQLite tokenizer: keywords (a multi-word one such as
    ``GROUP BY`` one symbol) and built-in function names before ``(`` upper-cased keywords, other
    names identifiers as written, strings, numbers, ``TRUE``/``FALSE``/``NULL`` literals,
    brackets, ``,`` ``.`` ``;`` punctuation, the rest operators; comments are trivia."""
    from sqlglot.dialects.dialect import Dialect

    sqlite = Dialect.get_or_raise("sqlite")  # the dialect the checker parses with
    tokens = sqlite.tokenize(text)
    out = []
    for i, tok in enumerate(tokens):
        kind, surface = tok.token_type.name, text[tok.start : tok.end + 1]
        if kind in ("VAR", "IDENTIFIER"):
            after = tokens[i + 1].token_type.name if i + 1 < len(tokens) else ""
            builtin = (
                kind == "VAR" and after == "L_PAREN" and surface.upper() in sqlite.parser_class.FUNCTIONS
            )
            cls: lexing.SymbolClass = "keyword" if builtin else "identifier"
        elif kind.endswith("STRING") or kind in ("NUMBER", "TRUE", "FALSE", "NULL"):
            cls = "literal"
        elif len(surface) == 1 and surface in "()[]{},.;:":
            cls = "punctuation"
        else:
            cls = "keyword" if re.fullmatch(r"[A-Za-z_][\w\s]*", surface) else "operator"
        upper = cls == "keyword" or kind in ("TRUE", "FALSE", "NULL")
        norm = lexing.collapse_upper(surface) if upper else surface
        out.append(lexing.Symbol(norm, cls, tok.start, tok.end + 1))
    return lexing.assemble(text, out, skip=r"\s+|--[^\n]*|/\*[\s\S]*?\*/")


FAMILY = Family(
    name="sql",
    languages=sql.LANGS,
    tasks=(
        Task("nl2sql-select", SOURCE, GEN, sql.gen_select, 150, delegation="table"),
        Task("nl2sql-aggregate", SOURCE, GEN, sql.gen_aggregate, 120, delegation="table"),
        Task("nl2sql-join", SOURCE, GEN, sql.gen_join, 100, delegation="table"),
    ),
    check=check_sql,
    exact=normalise._sql,
    exact_rule="sqlglot SQLite rendering (keywords, spacing, quotes normalised)",
    execution=Execution(
        f"result sets equal on {resources.N_DATABASES} sqlite3 databases of the schema", sql_judge, sql_jobs
    ),
    evolve=evol._evolve_sql,
    depth=depth._sql,
    one_line=True,
    infer=(
        Rule(20, r"(?is)^\s*(SELECT|WITH)\b.*\bFROM\b"),
        Rule(70, r"(?i)\bSQL\b", "instruction"),
    ),
    delegate={
        "table": Execution(
            "sqlite3 result on the sample's database equals the gold result", sql_judge, table_jobs
        )
    },
    packages=("sqlglot",),
    lex=lex_sql,
)
