"""Linear probes per layer: what each layer makes linearly readable about a symbolic output.

The public API (loaded lazily, so ``import probes`` stays fast)::

    import analysis, probes, figures
    stores = analysis.extract.run(["base", "ours"], split="analysis", span="symbol", layers="all")
    res = probes.run(stores, config=probes.Config(targets="all", layers="all"))
    res.rows; res.save("results/")          # results/probes/<run-id>.json + .csv
    figures.probes(res)                     # accuracy, selectivity, compression per layer

Names: ``run`` (:mod:`probes.study`), ``Config`` (:mod:`probes.config`), ``TARGETS``
(:mod:`probes.targets`). ``ProbeConfig`` is the old name of ``Config`` (a DeprecationWarning; it
goes in the next version).
``python -m probes`` is the CLI (:mod:`probes.cli`).
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

_EXPORTS = {
    "run": "probes.study",
    "Config": "probes.config",
    "TARGETS": "probes.targets",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name == "ProbeConfig":
        warnings.warn("probes.ProbeConfig is now probes.Config", DeprecationWarning, stacklevel=2)
        name = "Config"
    if name in _EXPORTS:
        module = importlib.import_module(_EXPORTS[name])
        return getattr(module, name)
    raise AttributeError(f"module 'probes' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
