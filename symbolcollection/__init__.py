"""The Symbolic Collection: sample schema, loaders, builders, Symbol-Evol, mixing; its families are
:mod:`symbolcollection.registry`'s (one module each in :mod:`symbolcollection.families`).

A top-level package of its own, the lowest project layer above ``symbolscope``: ``lm``, ``trainer``,
``analysis`` and ``probes`` read it, it imports none of them (pyproject's import-linter layers).
Keep this ``__init__`` free of heavy imports.
The collection API (``ensure_collection``, ``load_split``, ``load_general``, ``evol_pairs``,
``dataset_fingerprint``, ``mix``) is re-exported lazily from :mod:`symbolcollection.collection`.
"""

from __future__ import annotations

from typing import Any

from symbolcollection.schema import NL_FAMILY, SAMPLE_FIELDS, Sample

_LAZY = ("ensure_collection", "load_split", "load_general", "evol_pairs", "dataset_fingerprint", "mix")

__all__ = ["NL_FAMILY", "SAMPLE_FIELDS", "Sample", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from symbolcollection import collection

        return getattr(collection, name)
    raise AttributeError(f"module 'symbolcollection' has no attribute {name!r}")
