"""The task generators the families' :class:`~trainer.data.family.Task` objects point at, and what
they share (:mod:`trainer.data.tasks.base`). The list of tasks is :func:`trainer.data.registry.tasks`."""

from __future__ import annotations

from trainer.data.tasks.base import GEN, SHELLS, Draft

__all__ = ["GEN", "SHELLS", "Draft"]
