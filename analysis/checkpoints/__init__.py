"""Former home of the checkpoint registry, kept so that old imports and commands still work.

The registry is :mod:`lm.checkpoints` (the trainer and the studies both read it).
``python -m analysis.checkpoints list|show|prepare`` runs its CLI, and
``from analysis.checkpoints import resolve`` (or any other name of ``lm.checkpoints.__all__``)
returns the same object.
"""

from __future__ import annotations

from typing import Any

import lm.checkpoints

__all__ = list(lm.checkpoints.__all__)


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(lm.checkpoints, name)
    raise AttributeError(
        f"module 'analysis.checkpoints' has no attribute {name!r} (the registry is 'lm.checkpoints')"
    )
