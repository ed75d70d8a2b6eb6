"""The executed evaluation: symbolic, general and Symbol+Delegation scores of checkpoints.

``evaluate(aliases, config=EvalConfig(...)) -> Result`` (:mod:`analysis.evaluate.api`);
``python -m analysis.evaluate`` is its CLI. Submodules: ``prompts`` (what is asked, where an
answer ends), ``generate`` (batched greedy decoding), ``sandbox``/``harness``/``jobkinds``
(generated code runs only there: a bubblewrap namespace sandbox, ``docs/sandbox.md``), ``resources`` (databases, PDDL files, graph), ``checks`` (execution checks per
family), ``delegation`` (solvers), ``normalise`` (exact match), ``score`` (items, rows,
intervals), ``predictions`` (files of generations made elsewhere), ``report`` (table, Markdown), ``general``
(MMLU from ``mmlu``, BBH from ``bbh``, scored with ``prefix`` and ``choices``), ``items``
(the per-item records).
The package is callable: ``analysis.evaluate(["base", "ours"])``.
"""

import importlib
from typing import Any

from symbolscope import callable_module

__all__ = ["ANALYSIS", "SUITES", "EvalConfig", "evaluate"]


def evaluate(*args: Any, **kwargs: Any) -> Any:
    """:func:`analysis.evaluate.api.evaluate` (imported on first use, so that importing a
    submodule such as ``analysis.evaluate.mmlu`` does not load the whole package first)."""
    return importlib.import_module("analysis.evaluate.api").evaluate(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name in ("ANALYSIS", "SUITES", "EvalConfig"):
        return getattr(importlib.import_module("analysis.evaluate.api"), name)
    raise AttributeError(f"module 'analysis.evaluate' has no attribute {name!r}")


callable_module(__name__, evaluate)
