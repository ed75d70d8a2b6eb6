"""The Symbolic Collection: sample schema, loaders, builders, Symbol-Evol, mixing.

Importable by ``analysis`` and ``probes`` (DESIGN.md); keep this ``__init__`` free of heavy imports.
The collection API (``ensure_collection``, ``load_split``, ``load_general``, ``evol_pairs``,
``dataset_fingerprint``, ``mix``) is re-exported lazily from :mod:`trainer.data.collection`.
"""

from __future__ import annotations

from typing import Any

from trainer.data.schema import NL_FAMILY, SAMPLE_FIELDS, Sample

_LAZY = ("ensure_collection", "load_split", "load_general", "evol_pairs", "dataset_fingerprint", "mix")

__all__ = ["NL_FAMILY", "SAMPLE_FIELDS", "Sample", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from trainer.data import collection

        return getattr(collection, name)
    raise AttributeError(f"module 'trainer.data' has no attribute {name!r}")
