"""The sample schema: the one place every package takes it from (the families are
:mod:`symbolcollection.registry`'s)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

#: ``nl`` marks general natural-language instructions (the Infusion mix), not a symbol family.
NL_FAMILY = "nl"

SAMPLE_FIELDS: tuple[str, ...] = ("id", "task", "family", "instruction", "input", "output", "source")


@dataclass(frozen=True)
class Sample:
    """One text-to-symbol instruction pair.

    ``instruction`` is the natural-language request (it may define symbols: a schema, the
    predicates, a tool signature), ``input`` optional extra context, ``output`` the symbolic
    answer. ``family`` names a registered family (or ``"nl"`` for general instructions).
    """

    id: str
    task: str
    family: str
    instruction: str
    input: str
    output: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        """Return the sample as a plain dict with exactly :data:`SAMPLE_FIELDS`."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Sample:
        """Build a sample from a dict holding at least :data:`SAMPLE_FIELDS` (extra keys ignored)."""
        return cls(**{k: str(row.get(k) or "") for k in SAMPLE_FIELDS})
