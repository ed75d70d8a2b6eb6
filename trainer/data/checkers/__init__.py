"""The checkers' shared entry points: a family's checker is a real parser or executor that
accepts or rejects an output (:attr:`trainer.data.family.Family.check`).

A checker takes a :class:`~trainer.data.schema.Sample` (it may read definitions from
``instruction``/``input``: a schema, predicates, tool signatures, examples) and raises
:class:`CheckFailed` with a one-line reason when the output is not valid for its family.
Parsers are imported on first use so that ``import trainer.data`` stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable

from trainer.data.family import CheckFailed
from trainer.data.schema import Sample

__all__ = ["CheckFailed", "Checker", "check_sample", "reason"]

Checker = Callable[[Sample], None]


def check_sample(sample: Sample) -> None:
    """Check ``sample`` with its family's checker; raise :class:`CheckFailed` if rejected."""
    from trainer.data import registry

    family = registry.find(sample.family)
    if family is None:
        if not sample.output.strip():
            raise CheckFailed("empty output")
        raise CheckFailed(f"no checker for family '{sample.family}'")
    family.check_sample(sample)


def reason(sample: Sample) -> str | None:
    """``None`` if ``sample`` passes its checker, else the one-line reason it fails."""
    try:
        check_sample(sample)
    except CheckFailed as err:
        return str(err)
    return None
