"""SQL (SQLite dialect): queries over generated schemas, checked by sqlglot and sqlite3, executed
on several filled databases of the schema."""

from __future__ import annotations

import random
import re
import sqlite3

from symbolcollection import depth, lexing, normalise, resources
from symbolcollection.checkers.code import check_sql
from symbolcollection.delegation import table_jobs
from symbolcollection.execution import sql_jobs, sql_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.rename import EvolFailed, fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks import sql
from symbolcollection.tasks.base import GEN

SOURCE = "generated schemas + sqlite3 databases"


def _sql_mapping(sample: Sample, rng: random.Random) -> dict[str, str]:
    names: list[str] = []
    for table, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\);", sample.input, flags=re.S):
        names.append(table)
        names += [c.split()[0] for c in body.split(",") if c.strip()]
    taken: set[str] = set()
    return {n: fresh_name(rng, "lower", taken) for n in dict.fromkeys(names)}


def _rename_sql_query(sql: str, mapping: dict[str, str]) -> str:
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="sqlite")
    for ident in tree.find_all(exp.Identifier):
        if ident.this in mapping:
            ident.set("this", mapping[ident.this])
    return tree.sql(dialect="sqlite")


def filled_database(ddl: str, seed_text: str, literals: list[str]) -> sqlite3.Connection:
    """A database with ``ddl``'s tables filled by position: row values depend on the table and
    column index, the type and ``literals`` (the query's constants), never on names."""
    from symbolcollection.checkers.code import SQL_STEP_LIMIT, bounded_sqlite
    from symbolscope import guards

    conn = bounded_sqlite()
    conn.executescript(ddl)
    rng = random.Random(seed_text)
    nums = [int(x) for x in literals if x.lstrip("-").isdigit()] or [0]
    strs = [x.strip("'") for x in literals if x.startswith("'")] or ["a"]
    for t_index, (table, body) in enumerate(re.findall(r"CREATE TABLE (\w+) \((.*?)\);", ddl, flags=re.S)):
        cols = [c.split() for c in body.split(",") if c.strip()]
        rows = []
        for r in range(12):
            row: list[object] = []
            for c_index, col in enumerate(cols):
                typ = col[1].upper() if len(col) > 1 else "TEXT"
                if "PRIMARY" in [w.upper() for w in col]:
                    row.append(r + 1)
                elif typ.startswith("INT"):
                    row.append(
                        rng.choice(nums) + rng.randint(-3, 3)
                        if (r + c_index + t_index) % 2
                        else rng.randint(1, 12)
                    )
                else:
                    row.append(rng.choice(strs) if r % 3 else f"v{r}")
            rows.append(row)
        marks = ", ".join("?" for _ in cols)
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    return guards.read_only(conn, SQL_STEP_LIMIT)  # the queries that run next come from a file


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """Tables and columns renamed; the renamed query must return the same rows on the renamed
    database as the original on the original (both filled by position)."""
    mapping = _sql_mapping(sample, rng)
    new_input = rename_words(sample.input, mapping)
    new_output = _rename_sql_query(sample.output, mapping)
    literals = re.findall(r"'[^']*'|\b\d+\b", sample.output)
    a = filled_database(sample.input, sample.id, literals)
    b = filled_database(new_input, sample.id, literals)
    try:
        before, after = a.execute(sample.output).fetchall(), b.execute(new_output).fetchall()
    except sqlite3.Error as err:
        raise EvolFailed(f"sql: {err}") from None
    finally:
        a.close()
        b.close()
    if before != after:
        raise EvolFailed("sql: the renamed query returns different rows")
    return renamed(sample, rename_words(sample.instruction, mapping), new_input, new_output)


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
    exact=normalise.sql_rendering,
    exact_rule="sqlglot SQLite rendering (keywords, spacing, quotes normalised)",
    execution=Execution(
        f"result sets equal on {resources.N_DATABASES} sqlite3 databases of the schema", sql_judge, sql_jobs
    ),
    evolve=evolve,
    depth=depth.sql_depth,
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
