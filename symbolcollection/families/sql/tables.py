"""The generators' table specs (six domains of columns and value ranges) and the concrete tables
built from them (the execution databases fill a sample's schema with the same value ranges), and
the databases Symbol-Evol compares a query and its renamed version on (filled by position)."""

from __future__ import annotations

import random
import re
import sqlite3
from dataclasses import dataclass

from symbolcollection.families.sql.check import SQL_STEP_LIMIT, bounded_sqlite

PEOPLE = ("Ada", "Bruno", "Chen", "Dana", "Emil", "Farah", "Goran", "Hana", "Ivo", "Jun", "Kira", "Luis",
          "Mina", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tess", "Uma", "Viktor", "Wen", "Yara")  # fmt: skip
CITIES = (
    "Paris",
    "Lima",
    "Oslo",
    "Cairo",
    "Delhi",
    "Quito",
    "Rome",
    "Seoul",
    "Tunis",
    "Perth",
    "Porto",
    "Riga",
)


@dataclass(frozen=True)
class Col:
    """A column: SQL name, type, English name, and its values (choices, or an int range)."""

    name: str
    type: str
    nl: str
    choices: tuple[str, ...] = ()
    lo: int = 0
    hi: int = 0


@dataclass(frozen=True)
class Table:
    """A table template: name variants, singular English noun, columns (first is ``name``)."""

    names: tuple[str, ...]
    noun: str
    plural: str
    cols: tuple[Col, ...]


TABLES = (
    Table(("employees", "staff", "workers"), "employee", "employees", (
        Col("name", "TEXT", "name", PEOPLE), Col("department", "TEXT", "department",
        ("Sales", "Research", "Marketing", "Legal", "Finance")), Col("salary", "INTEGER", "salary", lo=30, hi=150),
        Col("hire_year", "INTEGER", "hiring year", lo=1995, hi=2023), Col("city", "TEXT", "city", CITIES))),
    Table(("products", "items", "catalog"), "product", "products", (
        Col("name", "TEXT", "name", ("lamp", "kettle", "chair", "drill", "kite", "atlas", "mug", "tent", "radio")),
        Col("category", "TEXT", "category", ("Home", "Toys", "Garden", "Kitchen", "Sports")),
        Col("price", "INTEGER", "price", lo=2, hi=400), Col("stock", "INTEGER", "stock level", lo=0, hi=120),
        Col("rating", "INTEGER", "rating", lo=1, hi=5))),
    Table(("students", "pupils", "learners"), "student", "students", (
        Col("name", "TEXT", "name", PEOPLE), Col("major", "TEXT", "major",
        ("Physics", "History", "Biology", "Mathematics", "Art")), Col("credits", "INTEGER", "credit count", lo=0, hi=180),
        Col("age", "INTEGER", "age", lo=18, hi=35), Col("city", "TEXT", "home city", CITIES))),
    Table(("cities", "towns", "places"), "city", "cities", (
        Col("name", "TEXT", "name", CITIES), Col("country", "TEXT", "country",
        ("Peru", "Norway", "Egypt", "India", "Italy", "Korea")), Col("population", "INTEGER", "population", lo=10, hi=9000),
        Col("area", "INTEGER", "area", lo=10, hi=2000), Col("founded", "INTEGER", "founding year", lo=800, hi=1950))),
    Table(("books", "titles", "novels"), "book", "books", (
        Col("title", "TEXT", "title", ("Dune", "Emma", "Ulysses", "Beloved", "Kindred", "Solaris", "Middlemarch")),
        Col("genre", "TEXT", "genre", ("fantasy", "poetry", "crime", "history", "science")),
        Col("year", "INTEGER", "publication year", lo=1900, hi=2023), Col("pages", "INTEGER", "page count", lo=80, hi=1200),
        Col("author", "TEXT", "author", PEOPLE))),
    Table(("flights", "routes", "trips"), "flight", "flights", (
        Col("code", "TEXT", "flight code", ("AX1", "BT7", "CQ3", "DL9", "EK4", "FR2", "GA5")),
        Col("origin", "TEXT", "origin", CITIES), Col("airline", "TEXT", "airline", ("Aerol", "Skyway", "Nimbus", "Jetta")),
        Col("distance", "INTEGER", "distance", lo=100, hi=9000), Col("price", "INTEGER", "fare", lo=40, hi=1500))),
)  # fmt: skip


@dataclass(frozen=True)
class Schema:
    """A concrete table: name, columns, rows."""

    table: str
    spec: Table
    cols: tuple[Col, ...]
    rows: tuple[tuple[object, ...], ...]

    def ddl(self) -> str:
        """``CREATE TABLE`` text of the table."""
        body = ", ".join(f"{c.name} {c.type}" for c in self.cols)
        return f"CREATE TABLE {self.table} (id INTEGER PRIMARY KEY, {body});"

    def load(self, conn: sqlite3.Connection) -> None:
        """Create and fill the table in ``conn``."""
        conn.execute(self.ddl())
        marks = ", ".join("?" for _ in range(len(self.cols) + 1))
        conn.executemany(
            f"INSERT INTO {self.table} VALUES ({marks})", [(i + 1, *r) for i, r in enumerate(self.rows)]
        )


def _value(rng: random.Random, c: Col) -> object:
    return rng.choice(c.choices) if c.choices else rng.randint(c.lo, c.hi)


def make_schema(rng: random.Random, spec: Table | None = None) -> Schema:
    """A random table: name variant, the name column plus 3-4 other columns, 10-16 rows."""
    spec = spec or rng.choice(TABLES)
    rest = list(spec.cols[1:])
    rng.shuffle(rest)
    cols = (spec.cols[0], *sorted(rest[: rng.randint(3, 4)], key=spec.cols.index))
    rows = tuple(tuple(_value(rng, c) for c in cols) for _ in range(rng.randint(10, 16)))
    return Schema(rng.choice(spec.names), spec, cols, rows)


def run(conn: sqlite3.Connection, sql: str) -> list[tuple[object, ...]]:
    """Execute ``sql`` and return all rows."""
    return conn.execute(sql).fetchall()


def filled_database(ddl: str, seed_text: str, literals: list[str]) -> sqlite3.Connection:
    """A database with ``ddl``'s tables filled by position: row values depend on the table and
    column index, the type and ``literals`` (the query's constants), never on names."""
    from symbolcollection.families.sql import kinds as guards

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
