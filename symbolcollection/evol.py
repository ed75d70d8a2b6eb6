"""Symbol-Evol: rename the symbols that a sample's request defines (tables and columns, predicates
and constants, PDDL predicates, tool and parameter names, function names, ontology terms) to
random identifiers, consistently in instruction, input and output, then re-validate.

For SQL the renamed query must also return the same rows on the renamed database as the original
query on the original database (both filled with the same rows, position by position).
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import string
from collections.abc import Callable

from symbolcollection.schema import Sample

#: Families whose requests define symbols that Symbol-Evol can rename.
EVOL_FAMILIES: tuple[str, ...] = ("api_call", "fol", "lambda", "pddl", "python", "sparql", "sql")
EVOL_SUFFIX = "~evol"


class EvolFailed(Exception):
    """The renamed sample did not re-validate (the reason says how)."""


def fresh_name(rng: random.Random, style: str, taken: set[str]) -> str:
    """A new random identifier in ``style`` (``lower``, ``upper`` or ``dash``) not in ``taken``."""
    while True:
        core = "".join(rng.choice(string.ascii_lowercase) for _ in range(4)) + str(rng.randint(0, 9))
        name = {"upper": "Q" + core, "dash": "p-" + core, "lower": "s_" + core}[style]
        if name not in taken:
            taken.add(name)
            return name


def rename_words(text: str, mapping: dict[str, str], boundary: str = r"[\w]") -> str:
    """Replace each whole-word occurrence of a ``mapping`` key (longest first) in ``text``."""
    if not mapping:
        return text
    keys = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(rf"(?<!{boundary})(" + "|".join(re.escape(k) for k in keys) + rf")(?!{boundary})")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


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


def _evolve_sql(sample: Sample, rng: random.Random) -> Sample:
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
    return _with(sample, rename_words(sample.instruction, mapping), new_input, new_output)


def _evolve_decl(sample: Sample, rng: random.Random) -> Sample:
    """FOL and lambda: rename the declared predicates (and FOL constants)."""
    from symbolcollection.checkers.logic import declarations, declared_predicates

    taken: set[str] = set()
    preds = declared_predicates(sample.input)
    if sample.family == "lambda":
        mapping = {
            p: fresh_name(rng, "lower", taken) + p[p.index(":") :]
            if ":" in p
            else fresh_name(rng, "lower", taken)
            for p in preds
        }
        boundary = r"[\w:]"
    else:
        mapping = {p: fresh_name(rng, "upper", taken) for p in preds}
        mapping |= {
            c: fresh_name(rng, "lower", taken) for c in declarations(sample.input).get("Constants", [])
        }
        boundary = r"[\w]"
    return _with(
        sample,
        *(rename_words(t, mapping, boundary) for t in (sample.instruction, sample.input, sample.output)),
    )


def _evolve_pddl(sample: Sample, rng: random.Random) -> Sample:
    from symbolcollection.checkers.pddl_check import predicate_arities, sexpr_block

    block = sexpr_block(sample.input, ":predicates")
    if block is None:
        raise EvolFailed("pddl: no predicates to rename")
    taken: set[str] = set()
    mapping = {p: fresh_name(rng, "dash", taken) for p in predicate_arities(block)}

    def sub_atoms(text: str) -> str:
        return re.sub(r"\(([^\s()]+)", lambda m: "(" + mapping.get(m.group(1), m.group(1)), text)

    instr = rename_words(sample.instruction, mapping, r"[\w-]")
    return _with(sample, instr, sample.input.replace(block, sub_atoms(block)), sub_atoms(sample.output))


def _evolve_api(sample: Sample, rng: random.Random) -> Sample:
    tools = json.loads(sample.input)
    taken: set[str] = set()
    names = {t["name"]: fresh_name(rng, "lower", taken) for t in tools}
    params = {p: fresh_name(rng, "lower", taken) for t in tools for p in t["parameters"]["properties"]}
    for t in tools:
        t["name"] = names[t["name"]]
        ps = t["parameters"]
        ps["properties"] = {params[k]: v for k, v in ps["properties"].items()}
        ps["required"] = [params[k] for k in ps.get("required", [])]
    calls = json.loads(sample.output)
    for c in calls if isinstance(calls, list) else [calls]:
        c["name"] = names[c["name"]]
        c["arguments"] = {params[k]: v for k, v in c["arguments"].items()}
    return _with(sample, rename_words(sample.instruction, names), json.dumps(tools), json.dumps(calls))


def _evolve_python(sample: Sample, rng: random.Random) -> Sample:
    m = re.search(r"def\s+([A-Za-z_]\w*)\s*\(", sample.input)
    if m is None:
        raise EvolFailed("python: no function signature to rename")
    mapping = {m.group(1): fresh_name(rng, "lower", set())}
    return _with(
        sample, *(rename_words(t, mapping) for t in (sample.instruction, sample.input, sample.output))
    )


def _evolve_sparql(sample: Sample, rng: random.Random) -> Sample:
    from symbolcollection.checkers.logic import declarations

    decl = declarations(sample.input)
    taken: set[str] = set()
    mapping = {}
    for term in decl.get("Properties", []) + decl.get("Classes", []):
        prefix, local = term.split(":", 1)
        mapping[term] = f"{prefix}:{fresh_name(rng, 'upper' if local[:1].isupper() else 'lower', taken)}"
    return _with(
        sample,
        sample.instruction,
        rename_words(sample.input, mapping, r"[\w:]"),
        rename_words(sample.output, mapping, r"[\w:]"),
    )


_EVOLVERS: dict[str, Callable[[Sample, random.Random], Sample]] = {
    "sql": _evolve_sql, "fol": _evolve_decl, "lambda": _evolve_decl, "pddl": _evolve_pddl,
    "api_call": _evolve_api, "python": _evolve_python, "sparql": _evolve_sparql,
}  # fmt: skip


def _with(sample: Sample, instruction: str, input_text: str, output: str) -> Sample:
    return Sample(
        sample.id + EVOL_SUFFIX,
        sample.task,
        sample.family,
        instruction,
        input_text,
        output,
        sample.source + "+evol",
    )


def can_evolve(sample: Sample) -> bool:
    """Whether ``sample``'s family has symbol definitions that Symbol-Evol renames."""
    return sample.family in _EVOLVERS and bool(sample.input.strip())


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The Symbol-Evol variant of ``sample`` (id ``<id>~evol``, source ``<source>+evol``).

    Raises :class:`EvolFailed` if the family has no definitions to rename or the renamed sample
    fails its family's checker (or, for SQL, returns different rows).
    """
    from symbolcollection.checkers import reason

    if not can_evolve(sample):
        raise EvolFailed(f"{sample.family}: nothing to rename")
    try:
        new = _EVOLVERS[sample.family](sample, rng)
    except (KeyError, ValueError, json.JSONDecodeError) as err:
        raise EvolFailed(f"{sample.family}: {type(err).__name__}: {err}") from None
    why = reason(new)
    if why is not None:
        raise EvolFailed(why)
    if new.output == sample.output:
        raise EvolFailed(f"{sample.family}: nothing in the output was renamed")
    return new


def original_id(evolved_id: str) -> str:
    """The id of the sample an evolved id was made from."""
    return evolved_id.removesuffix(EVOL_SUFFIX)
