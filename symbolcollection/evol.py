"""Symbol-Evol: rename the symbols that a sample's request defines (tables and columns, predicates
and constants, tool and parameter names, function names, ontology terms) to random identifiers,
consistently in instruction, input and output, then re-validate.

Each family renames its own symbols (``Family.evolve``, with the helpers of
:mod:`symbolcollection.rename`) and may check more than the checker does (e.g. that a renamed
query returns the same rows on the renamed database).
"""

from __future__ import annotations

import json
import random

from symbolcollection.rename import EVOL_SUFFIX, EvolFailed
from symbolcollection.schema import Sample

__all__ = ["EVOL_SUFFIX", "EvolFailed", "can_evolve", "evolve", "original_id"]


def can_evolve(sample: Sample) -> bool:
    """Whether ``sample``'s family has symbol definitions that Symbol-Evol renames."""
    from symbolcollection import registry

    family = registry.find(sample.family)
    return family is not None and family.evolve is not None and bool(sample.input.strip())


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The Symbol-Evol variant of ``sample`` (id ``<id>~evol``, source ``<source>+evol``).

    Raises :class:`EvolFailed` if the family has no definitions to rename or the renamed sample
    fails its family's checker (or the family's own further check).
    """
    from symbolcollection import registry

    if not can_evolve(sample):
        raise EvolFailed(f"{sample.family}: nothing to rename")
    rename = registry.get(sample.family).evolve
    assert rename is not None  # can_evolve said so
    try:
        new = rename(sample, rng)
    except (KeyError, ValueError, json.JSONDecodeError) as err:
        raise EvolFailed(f"{sample.family}: {type(err).__name__}: {err}") from None
    why = registry.reason(new)
    if why is not None:
        raise EvolFailed(why)
    if new.output == sample.output:
        raise EvolFailed(f"{sample.family}: nothing in the output was renamed")
    return new


def original_id(evolved_id: str) -> str:
    """The id of the sample an evolved id was made from."""
    return evolved_id.removesuffix(EVOL_SUFFIX)
