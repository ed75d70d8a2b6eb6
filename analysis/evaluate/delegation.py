"""Symbol+Delegation: the model writes a program, a real solver produces the answer, and the
answer is compared with the gold program's answer.

A collection task takes part when its :class:`~symbolcollection.family.Task` names a delegation task
(``Task.delegation``); the check is its family's ``Family.delegate[<task>]`` (the jobs that run
the solver in the sandbox and the judge, both in the family's own module under
:mod:`symbolcollection.families`). :func:`tasks` lists the delegation tasks; a check with
``gold_checked`` counts only the samples whose gold program the solver handles.
"""

from __future__ import annotations

from analysis.evaluate.checks import Check
from symbolcollection.schema import Sample


def tasks() -> dict[str, tuple[str, ...]]:
    """``{delegation task: the collection tasks its samples come from}`` (sorted by name)."""
    from symbolcollection import registry

    out: dict[str, list[str]] = {}
    for _, task in registry.tasks():
        if task.delegation is not None:
            out.setdefault(task.delegation, []).append(task.name)
    return {name: tuple(v) for name, v in sorted(out.items())}


def check(task: str) -> Check:
    """The check of delegation ``task`` (KeyError if no family delegates it)."""
    from symbolcollection import registry

    for family in registry.families():
        if task in family.delegate:
            return Check.of(f"d-{task}", family.delegate[task])
    raise KeyError(task)


def task_of(sample: Sample) -> str | None:
    """The delegation task a collection sample belongs to (``None`` if none)."""
    from symbolcollection import registry

    return next((t.delegation for _, t in registry.tasks() if t.name == sample.task), None)
