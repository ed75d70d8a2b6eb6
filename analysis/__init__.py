"""symbolscope's analysis side: checkpoints, extraction into the activation store, the studies.

The public API (what a notebook imports), loaded lazily so ``import analysis`` stays fast::

    import analysis, figures
    stores = analysis.extract(["base", "ours"], split="analysis", span="symbol", layers="all")
    res = analysis.align_uniform(stores, config=analysis.AlignUniformConfig(layers="all"))
    res.rows; res.save("results/")          # JSON + CSV
    figures.align_uniform(res)              # a matplotlib Figure, shown inline

Names: ``resolve``, ``load_model``, ``load_tokenizer`` (:mod:`lm.checkpoints`);
``extract``, ``ensure_store`` (:mod:`analysis.extract`); ``Store``, ``open_store``,
``list_stores`` (:mod:`analysis.store`); ``alignment``, ``uniformity`` (:mod:`analysis.metrics`);
``align_uniform``, ``AlignUniformConfig`` (:mod:`analysis.align_uniform`); ``evaluate``,
``EvalConfig`` (:mod:`analysis.evaluate`); ``similarity``,
``SimilarityConfig`` (:mod:`analysis.similarity`); ``projection``, ``ProjectionConfig``
(:mod:`analysis.projection`); ``linear_cka``, ``hsic_unbiased``, ``mutual_knn``,
``procrustes_distance``, ``centroid_cosines``, ``nearest_neighbours`` (:mod:`analysis.metrics.similarity`); ``Result``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "resolve": "lm.checkpoints",
    "load_model": "lm.checkpoints",
    "load_tokenizer": "lm.checkpoints",
    "Checkpoint": "lm.checkpoints",
    "ensure_store": "analysis.extract",
    "Store": "analysis.store",
    "open_store": "analysis.store",
    "list_stores": "analysis.store",
    "alignment": "analysis.metrics",
    "uniformity": "analysis.metrics",
    "AlignUniformConfig": "analysis.align_uniform",
    "EvalConfig": "analysis.evaluate",
    "SimilarityConfig": "analysis.similarity",
    "ProjectionConfig": "analysis.projection",
    "linear_cka": "analysis.metrics.similarity",
    "hsic_unbiased": "analysis.metrics.similarity",
    "mutual_knn": "analysis.metrics.similarity",
    "procrustes_distance": "analysis.metrics.similarity",
    "centroid_cosines": "analysis.metrics.similarity",
    "nearest_neighbours": "analysis.metrics.similarity",
    "Result": "symbolscope.results",
}
#: Names that are both a submodule and the function it defines (callable modules).
_CALLABLE_MODULES = ("extract", "align_uniform", "similarity", "projection", "evaluate")

__all__ = sorted([*_EXPORTS, *_CALLABLE_MODULES])


def __getattr__(name: str) -> Any:
    if name in _CALLABLE_MODULES:
        return importlib.import_module(f"analysis.{name}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
