"""Linear probes per layer: what each layer makes linearly readable about a symbolic output.

The public API (loaded lazily, so ``import probes`` stays fast)::

    import analysis, probes, figures
    stores = analysis.extract(["base", "ours"], split="analysis", span="symbol", layers="all")
    res = probes.run(stores, config=probes.ProbeConfig(targets="all", layers="all"))
    res.rows; res.save("results/")          # results/probes/<run-id>.json + .csv
    figures.probes(res)                     # accuracy, selectivity, compression per layer

Names: ``run`` (:mod:`probes.study`), ``ProbeConfig`` (:mod:`probes.config`), ``TARGETS``
(:mod:`probes.targets`).
``python -m probes`` is the CLI (:mod:`probes.cli`).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run": "probes.study",
    "ProbeConfig": "probes.config",
    "TARGETS": "probes.targets",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(_EXPORTS[name])
        return getattr(module, name)
    raise AttributeError(f"module 'probes' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
