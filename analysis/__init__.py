"""symbolscope's analysis side: checkpoints, extraction into the activation store, the studies.

The public API (what a notebook imports), loaded lazily so ``import analysis`` stays fast::

    import analysis, figures
    stores = analysis.extract.run(["base", "ours"], split="analysis", span="symbol", layers="all")
    res = analysis.uniformity.run(stores, config=analysis.uniformity.Config(layers="all"))
    res.rows; res.save("results/")          # results/uniformity/<run-id>.json + .csv
    figures.uniformity(res)                 # a matplotlib Figure, shown inline

One name per study: the study ``analysis.<study>`` has ``run(...)`` and ``Config``, its CLI is
``python -m analysis.<study>``, its results go to ``results/<study>/`` and its main figure is
``figures.<study>``: ``uniformity``, ``similarity``, ``projection``, ``evaluate``,
``concept_map`` (figure ``symbols``) (and
``probes.run`` / ``probes.Config``). ``analysis.extract.run`` makes the stores.

Other names: ``resolve``, ``load_model``, ``load_tokenizer``, ``Checkpoint``
(:mod:`lm.checkpoints`); ``ensure_store`` (:mod:`analysis.extract`); ``Store``,
``Vectors``, ``open_store``, ``list_stores`` (:mod:`analysis.store`); ``SymbolStore``,
``SymbolTable`` (:mod:`analysis.symbolstore`: ``SymbolStore.of(store)``, a store's symbols); the metrics in
:mod:`analysis.metrics` (``alignment``, ``uniformity``) and ``linear_cka``, ``hsic_unbiased``,
``mutual_knn``, ``procrustes_distance``, ``centroid_cosines``, ``nearest_neighbours``
(:mod:`analysis.metrics.similarity`); ``Result``.

Old names, kept for one version with a DeprecationWarning: ``align_uniform`` (now
``uniformity.run``), ``AlignUniformConfig``, ``SimilarityConfig``, ``ProjectionConfig``,
``EvalConfig`` (now ``<study>.Config``) and ``alignment`` (now ``metrics.alignment``). Calling a
module (``analysis.extract(...)``, ``analysis.similarity(...)``, the metric
``analysis.uniformity(x, t)``) is no longer possible: call its ``run`` (or the metric in
``analysis.metrics``).
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

_EXPORTS = {
    "resolve": "lm.checkpoints",
    "load_model": "lm.checkpoints",
    "load_tokenizer": "lm.checkpoints",
    "Checkpoint": "lm.checkpoints",
    "ensure_store": "analysis.extract",
    "Store": "analysis.store",
    "Vectors": "analysis.store",
    "open_store": "analysis.store",
    "list_stores": "analysis.store",
    "linear_cka": "analysis.metrics.similarity",
    "hsic_unbiased": "analysis.metrics.similarity",
    "mutual_knn": "analysis.metrics.similarity",
    "procrustes_distance": "analysis.metrics.similarity",
    "centroid_cosines": "analysis.metrics.similarity",
    "nearest_neighbours": "analysis.metrics.similarity",
    "Result": "symbolscope.results",
    "SymbolStore": "analysis.symbolstore",
    "SymbolTable": "analysis.symbolstore",
}
#: The studies (each has ``run`` and ``Config``), extraction and the metrics: subpackages.
_SUBMODULES = ("extract", "uniformity", "similarity", "projection", "evaluate", "metrics", "concept_map")
#: old name -> (module, new name): resolved with a DeprecationWarning, for one version.
_DEPRECATED = {
    "align_uniform": ("analysis.uniformity", "run"),
    "AlignUniformConfig": ("analysis.uniformity", "Config"),
    "SimilarityConfig": ("analysis.similarity", "Config"),
    "ProjectionConfig": ("analysis.projection", "Config"),
    "EvalConfig": ("analysis.evaluate", "Config"),
    "alignment": ("analysis.metrics", "alignment"),
}

__all__ = sorted([*_EXPORTS, *_SUBMODULES])


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"analysis.{name}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _DEPRECATED:
        module, new = _DEPRECATED[name]
        warnings.warn(
            f"analysis.{name} is now {module}.{new}; the old name goes in the next version",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(module), new)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
