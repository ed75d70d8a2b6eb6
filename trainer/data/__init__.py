"""Former home of the Symbolic Collection, kept so that old imports and commands still work.

The collection is the top-level package :mod:`symbolcollection`. ``python -m trainer.data
build|stats|validate|show|export|load`` runs its CLI, and ``from trainer.data import load_split``
(or any other name of ``symbolcollection.__all__``) returns the same object, imported on first use.
"""

from __future__ import annotations

from typing import Any

import symbolcollection

__all__ = list(symbolcollection.__all__)


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(symbolcollection, name)
    raise AttributeError(
        f"module 'trainer.data' has no attribute {name!r} (the collection is 'symbolcollection')"
    )
