"""SQL (SQLite dialect): queries over generated schemas, checked by sqlglot and sqlite3, executed
on several filled databases of the schema."""

from __future__ import annotations

from trainer.data import depth, evol, normalise, resources
from trainer.data.checkers.code import check_sql
from trainer.data.delegation import table_jobs
from trainer.data.execution import sql_jobs, sql_judge
from trainer.data.family import Execution, Family, Rule, Task
from trainer.data.tasks import sql
from trainer.data.tasks.base import GEN

SOURCE = "generated schemas + sqlite3 databases"

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
)
