"""The executed evaluation: symbolic, general and Symbol+Delegation scores of checkpoints.

``evaluate(aliases, config=EvalConfig(...)) -> Result`` (:mod:`analysis.evaluate.api`);
``python -m analysis.evaluate`` is its CLI. Submodules: ``prompts`` (what is asked, where an
answer ends), ``generate`` (batched greedy decoding), ``sandbox``/``harness`` (generated code
runs only there), ``resources`` (databases, PDDL files, graph), ``checks`` (execution checks per
family), ``delegation`` (solvers), ``normalise`` (exact match), ``score`` (items, rows,
intervals), ``predictions`` (files of generations made elsewhere), ``report`` (table, Markdown).
The package is callable: ``analysis.evaluate(["base", "ours"])``.
"""

from analysis.evaluate.api import ANALYSIS, SUITES, EvalConfig, evaluate
from symbolscope import callable_module

__all__ = ["ANALYSIS", "SUITES", "EvalConfig", "evaluate"]

callable_module(__name__, evaluate)
