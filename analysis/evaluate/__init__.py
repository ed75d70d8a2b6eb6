"""The executed evaluation: symbolic, general and Symbol+Delegation scores of checkpoints.

``analysis.evaluate.run(aliases, config=analysis.evaluate.Config(...)) -> Result``
(:mod:`analysis.evaluate.api`, results in ``results/evaluate/``); ``python -m analysis.evaluate``
is its CLI. Submodules: ``prompts`` (what is asked, where an answer ends), ``generate`` (batched
greedy decoding), ``sandbox``/``harness``/``jobkinds`` (generated code runs only there: a
bubblewrap namespace sandbox, ``docs/sandbox.md``), ``checks`` (execution checks per family),
``delegation`` (solvers), ``score`` (items, rows, intervals), ``predictions`` (files of
generations made elsewhere), ``report`` (table, Markdown), ``general`` (MMLU from ``mmlu``, BBH
from ``bbh``, scored with ``prefix`` and ``choices``), ``items`` (the per-item records).
"""

import importlib
from typing import Any

__all__ = ["ANALYSIS", "SUITES", "Config", "run"]


def __getattr__(name: str) -> Any:
    # imported on first use, so that importing a submodule such as ``analysis.evaluate.mmlu``
    # does not load the whole evaluation first
    if name in __all__:
        return getattr(importlib.import_module("analysis.evaluate.api"), name)
    raise AttributeError(f"module 'analysis.evaluate' has no attribute {name!r}")
