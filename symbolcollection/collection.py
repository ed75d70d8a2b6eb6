"""The public API of the embedded Symbolic Collection (cheap to import: heavy modules load on use).

- :func:`ensure_collection` builds the collection into the cache once and returns its folder;
- :func:`load_split`, :func:`load_general`, :func:`evol_pairs` read it;
- :func:`dataset_fingerprint` hashes an ordered list of samples; :func:`mix` builds the Infusion mix.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from symbolcollection.config import DEFAULTS
from symbolcollection.fingerprint import dataset_fingerprint
from symbolcollection.mixing import mix
from symbolcollection.schema import Sample
from symbolcollection.splits import DERIVED_SPLITS, SPLITS
from symbolscope.errors import UserError

__all__ = [
    "SPLITS",
    "dataset_fingerprint",
    "ensure_collection",
    "evol_pairs",
    "load_general",
    "load_split",
    "mix",
]

GENERAL_SPLITS: tuple[str, ...] = ("train", "test")


def ensure_collection(seed: int = DEFAULTS.seed) -> Path:
    """Build the embedded collection for ``seed`` if it is not cached yet (atomically); return its
    folder. Fast when it is already built."""
    from symbolcollection.build import ensure_built

    return ensure_built(seed)


def _check_split(split: str, allowed: Sequence[str]) -> None:
    if split not in allowed:
        raise UserError(f"unknown split '{split}'; choose one of: {', '.join(allowed)}")


def load_split(
    split: str,
    *,
    families: Sequence[str] | None = None,
    seed: int = DEFAULTS.seed,
    include_evol: bool = False,
) -> list[Sample]:
    """The samples of ``split`` (``train``, ``analysis``, ``test`` or ``analysis-valid``), optionally
    only ``families``, in a deterministic order (family, task, id). With ``include_evol`` the split's
    Symbol-Evol variants follow (ids end in ``~evol``, sources in ``+evol``). ``analysis-valid`` holds
    the corrupted twins of the ``analysis`` originals (:mod:`symbolcollection.corrupt`; ids end in
    ``~corrupt``), made on first use and cached beside the collection."""
    from symbolcollection.store import read_split

    _check_split(split, (*SPLITS, *DERIVED_SPLITS))
    from symbolcollection import registry

    for name in families or ():
        registry.get(name)  # an unknown name: one line listing the known ones
    folder = ensure_collection(seed)
    if split in DERIVED_SPLITS:
        from symbolcollection.corrupt import load_valid_twins

        samples = load_valid_twins(folder, read_split(folder, "analysis"), seed)
    else:
        samples = read_split(folder, split)
    if include_evol and split in SPLITS:
        samples = samples + read_split(folder, f"evol_{split}")
    if families is not None:
        wanted = set(families)
        samples = [s for s in samples if s.family in wanted]
    if not samples:
        what = f" for families {', '.join(families)}" if families else ""
        raise UserError(
            f"split '{split}' has no samples{what}; pick families from: {', '.join(registry.names())}"
        )
    return samples


def load_general(split: str, seed: int = DEFAULTS.seed) -> list[Sample]:
    """General natural-language samples (family ``nl``) of ``split`` (``train`` or ``test``)."""
    from symbolcollection.store import read_split

    _check_split(split, GENERAL_SPLITS)
    return read_split(ensure_collection(seed), f"general_{split}")


def evol_pairs(split: str, seed: int = DEFAULTS.seed) -> list[tuple[str, str]]:
    """``(original id, evolved id)`` for every Symbol-Evol pair of ``split``."""
    from symbolcollection.evol import original_id
    from symbolcollection.store import read_split

    _check_split(split, SPLITS)
    folder = ensure_collection(seed)
    originals = {s.id for s in read_split(folder, split)}
    return [
        (original_id(e.id), e.id)
        for e in read_split(folder, f"evol_{split}")
        if original_id(e.id) in originals
    ]
