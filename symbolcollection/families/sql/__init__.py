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
    concepts={  # SQLite's SQL, which the checker runs (sqlite.org/lang.html); SQL-92 clause numbers
        "conjunction": ("AND",),  # SQLite lang_expr "Operators": AND; SQL-92 §8.12 <search condition>
        "equality": ("=",),  # SQLite lang_expr "Operators": =; SQL-92 §8.2 <comparison predicate>
        "order_comparison": (">", ">=", "<"),  # SQLite lang_expr "Operators"; SQL-92 §8.2
        "range": ("BETWEEN",),  # SQLite lang_expr "The BETWEEN operator"; SQL-92 §8.3 <between predicate>
        "aggregation": ("COUNT", "SUM", "AVG"),  # SQLite lang_aggfunc count(), sum(), avg(); SQL-92 §6.5
        "extremum": ("MIN", "MAX"),  # SQLite lang_aggfunc min(X), max(X); SQL-92 §6.5
        "ordering": ("ORDER BY", "ASC", "DESC"),  # SQLite lang_select "The ORDER BY clause"
        "limit": ("LIMIT",),  # SQLite lang_select "The LIMIT clause"
        "filtering": ("WHERE", "HAVING"),  # SQLite lang_select WHERE / HAVING; SQL-92 §7.6, §7.8
        "projection": ("SELECT",),  # SQLite lang_select result columns; SQL-92 §7.9 <query specification>
    },
    kinds=kinds.__file__,
)
