"""Which held-out samples the evaluation asks about: at most ``per_group`` per family (or
delegation task), round-robin over the group's tasks in a seeded order, so that any prefix covers
every task."""

from __future__ import annotations

import random
from collections.abc import Sequence

from analysis.evaluate import delegation
from symbolcollection.schema import Sample


def _order(samples: Sequence[Sample], seed: int) -> list[Sample]:
    """Round-robin over tasks, each task's samples in a seeded order: a prefix covers every task."""
    by_task: dict[str, list[Sample]] = {}
    for s in samples:
        by_task.setdefault(s.task, []).append(s)
    for task, group in by_task.items():
        random.Random(f"{seed}:{task}").shuffle(group)
    out: list[Sample] = []
    queues = [by_task[t] for t in sorted(by_task)]
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


def select(samples: Sequence[Sample], key: str, per_group: int, seed: int) -> dict[str, list[Sample]]:
    """``{group: samples}`` with at most ``per_group`` each (0 = all); ``key`` is ``family`` or
    ``delegation`` (the delegation task of :mod:`analysis.evaluate.delegation`)."""
    groups: dict[str, list[Sample]] = {}
    for s in samples:
        g = s.family if key == "family" else delegation.task_of(s)
        if g:
            groups.setdefault(g, []).append(s)
    return {g: _order(v, seed)[: per_group or None] for g, v in sorted(groups.items())}
