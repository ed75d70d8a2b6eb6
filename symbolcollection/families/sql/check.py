"""Reading an SQL output: the checker (``sqlglot`` and ``sqlite3`` against the request's schema),
the exact-match rendering, the parse-tree depth and the lexer."""

from __future__ import annotations

import re
import sqlite3

from symbolcollection import lexing
from symbolcollection.depth import tree_depth
from symbolcollection.families.sql import kinds as guards
from symbolcollection.family import CheckFailed, collapse
from symbolcollection.schema import Sample


def schema_ddl(text: str) -> str:
    """The ``CREATE TABLE`` statements in ``text`` (empty if there are none)."""
    stmts = re.findall(r"CREATE TABLE[^;]*;", text, flags=re.I | re.S)
    return "\n".join(stmts)


#: SQLite virtual-machine steps (in units of 1,000) a checked query may take before it is aborted
SQL_STEP_LIMIT = 2_000


def bounded_sqlite() -> sqlite3.Connection:
    """An in-memory SQLite connection that aborts any statement running too long (for example an
    endless recursive CTE in an untrusted file) with ``sqlite3.OperationalError: interrupted``,
    and refuses files and extensions (:func:`symbolcollection.families.sql.kinds.private_database`)."""
    return guards.private_database(steps=SQL_STEP_LIMIT)


def sqlite_with_schema(ddl: str) -> sqlite3.Connection:
    """An in-memory, step-bounded SQLite database with the tables of ``ddl`` (no rows), switched
    to reading only (:func:`symbolcollection.families.sql.kinds.read_only`): where a query from a file runs."""
    return guards.read_only(guards.private_database(ddl, SQL_STEP_LIMIT), SQL_STEP_LIMIT)


def check_sql(sample: Sample) -> None:
    """Parse with ``sqlglot`` (SQLite dialect, must be a query); when ``input`` holds a
    ``CREATE TABLE`` schema, execute the query in ``sqlite3`` against it."""
    import sqlglot
    from sqlglot import exp

    trees = sqlglot.parse(sample.output, read="sqlite")
    if len(trees) != 1 or trees[0] is None:
        raise CheckFailed(f"sql: expected one statement, got {len(trees)}")
    if not isinstance(trees[0], exp.Query):
        raise CheckFailed(f"sql: not a query ({type(trees[0]).__name__})")
    ddl = schema_ddl(sample.input)
    if ddl:
        conn = sqlite_with_schema(ddl)
        try:
            conn.execute(sample.output).fetchall()
        except sqlite3.Error as err:
            raise CheckFailed(f"sql: sqlite3 rejects it against the schema: {err}") from None
        finally:
            conn.close()


def sql_rendering(text: str) -> str:
    """sqlglot's SQLite rendering (keywords, spacing, quotes normalised); else the text collapsed,
    without a final ``;``, lower-cased."""
    import sqlglot

    try:
        trees = sqlglot.parse(text, read="sqlite")
        if len(trees) == 1 and trees[0] is not None:
            return trees[0].sql(dialect="sqlite", normalize=True)
    except Exception:  # a parser's own error: fall back to the text
        pass
    return collapse(text).rstrip(";").strip().lower()


def sql_depth(text: str) -> int:
    import sqlglot

    return tree_depth(sqlglot.parse_one(text), lambda e: e.iter_expressions())


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
