"""SQL (SQLite dialect): queries over generated schemas, checked by sqlglot and sqlite3, executed
on several filled databases of the schema."""

from __future__ import annotations

from symbolcollection.families.sql import kinds, tasks
from symbolcollection.families.sql.check import check_sql, lex_sql, sql_depth, sql_rendering
from symbolcollection.families.sql.execution import N_DATABASES, sql_jobs, sql_judge, table_jobs
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.tasks.base import GEN

SOURCE = "generated schemas + sqlite3 databases"

FAMILY = Family(
    name="sql",
    languages=tasks.LANGS,
    tasks=(
        Task("nl2sql-select", SOURCE, GEN, tasks.gen_select, 150, delegation="table"),
        Task("nl2sql-aggregate", SOURCE, GEN, tasks.gen_aggregate, 120, delegation="table"),
        Task("nl2sql-join", SOURCE, GEN, tasks.gen_join, 100, delegation="table"),
    ),
    check=check_sql,
    exact=sql_rendering,
    exact_rule="sqlglot SQLite rendering (keywords, spacing, quotes normalised)",
    execution=Execution(
        f"result sets equal on {N_DATABASES} sqlite3 databases of the schema", sql_judge, sql_jobs
    ),
    evolve=tasks.evolve,
    depth=sql_depth,
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
    kinds=kinds.__file__,
)
