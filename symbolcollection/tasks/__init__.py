"""The task generators the families' :class:`~symbolcollection.family.Task` objects point at, and what
they share (:mod:`symbolcollection.tasks.base`). The list of tasks is :func:`symbolcollection.registry.tasks`."""

from __future__ import annotations

from symbolcollection.tasks.base import GEN, SHELLS, Draft

__all__ = ["GEN", "SHELLS", "Draft"]
