"""Symbol+Delegation: the model writes a program, a real solver produces the answer, and the
answer is compared with the gold program's answer.

- ``math``: word problems → a ``solution()`` program run in the sandbox → the gold value;
- ``planning``: the generated PDDL goal put into the sample's ``pddlgym`` problem, solved by
  ``pyperplan`` (greedy best-first, h_FF) in the sandbox, the plan replayed on the gold problem and
  the gold goal checked (only samples whose gold goal ``pyperplan`` parses and solves count);
- ``table``: table questions → the generated SQL run in ``sqlite3`` on the sample's database →
  the gold result (a multiset of rows, a list when the gold query orders);
- ``logic``: the generated first-order formula checked for mutual entailment with the gold one by
  ``z3`` (both ``gold ∧ ¬pred`` and ``pred ∧ ¬gold`` unsatisfiable), over an uninterpreted sort.
"""

from __future__ import annotations

from analysis.evaluate.checks import Check
from trainer.data.delegation import logic_jobs, logic_judge, plan_jobs, plan_judge, table_jobs
from trainer.data.execution import math_jobs, math_judge, sql_judge
from trainer.data.schema import Sample

#: delegation task -> the collection tasks its samples come from
TASKS: dict[str, tuple[str, ...]] = {
    "math": ("math-word-problem-program",),
    "planning": ("nl2pddl-goal",),
    "table": ("nl2sql-select", "nl2sql-aggregate", "nl2sql-join"),
    "logic": ("nl2fol-categorical", "nl2fol-relational"),
}


CHECKS: dict[str, Check] = {
    "math": Check("d-math", "solution() run in the sandbox returns the gold value", math_judge, math_jobs),
    "planning": Check("d-planning", "pyperplan plan for the generated goal reaches the gold goal",
                      plan_judge, plan_jobs),
    "table": Check("d-table", "sqlite3 result on the sample's database equals the gold result",
                   sql_judge, table_jobs),
    "logic": Check("d-logic", "z3: generated and gold formulas entail each other", logic_judge, logic_jobs),
}  # fmt: skip


def task_of(sample: Sample) -> str | None:
    """The delegation task a collection sample belongs to (``None`` if none)."""
    return next((name for name, tasks in TASKS.items() if sample.task in tasks), None)
