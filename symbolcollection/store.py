"""On-disk storage of a built collection: a ``datasets`` Arrow ``DatasetDict`` plus ``card.json``."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from symbolcollection.schema import SAMPLE_FIELDS, Sample
from symbolscope.errors import UserError
from symbolscope.reading import read_json

DATASET_DIR = "dataset"
CARD_FILE = "card.json"
#: the splits a built collection always has (an empty one is not written: ``datasets`` cannot
#: reload a zero-row split from disk, so a missing known split reads as empty)
STORED_SPLITS = (
    "train",
    "analysis",
    "test",
    "evol_train",
    "evol_analysis",
    "evol_test",
    "general_train",
    "general_test",
)


def save_splits(folder: Path, splits: dict[str, Sequence[Sample]], templates: dict[str, int]) -> None:
    """Write ``splits`` as one Arrow ``DatasetDict`` under ``folder/dataset`` (column ``template``
    holds each sample's instruction-shell index, -1 when unknown)."""
    import datasets

    datasets.disable_progress_bars()
    features = datasets.Features(
        {**{f: datasets.Value("string") for f in SAMPLE_FIELDS}, "template": datasets.Value("int32")}
    )
    dd = {}
    for name, samples in splits.items():
        if not samples:
            continue
        cols: dict[str, list[Any]] = {f: [getattr(s, f) for s in samples] for f in SAMPLE_FIELDS}
        cols["template"] = [templates.get(s.id, -1) for s in samples]
        dd[name] = datasets.Dataset.from_dict(cols, features=features)
    datasets.DatasetDict(dd).save_to_disk(str(folder / DATASET_DIR))


@functools.lru_cache(maxsize=4)
def _dataset_dict(folder: str) -> Any:
    import datasets

    datasets.disable_progress_bars()
    try:
        return datasets.load_from_disk(str(Path(folder) / DATASET_DIR))
    except (FileNotFoundError, ValueError) as err:
        raise UserError(
            f"{folder}: not a built collection ({err}); rebuild with 'python -m symbolcollection build --force'"
        ) from None


def forget() -> None:
    """Drop the in-process cache of opened collections (after a rebuild in place)."""
    _dataset_dict.cache_clear()


def split_names(folder: Path) -> list[str]:
    """The names of the stored (non-empty) splits."""
    return sorted(_dataset_dict(str(folder)).keys())


def read_split(folder: Path, split: str) -> list[Sample]:
    """All samples of stored ``split`` in stored order."""
    dd = _dataset_dict(str(folder))
    if split not in dd and split in STORED_SPLITS:
        return []
    if split not in dd:
        raise UserError(f"{folder}: no split '{split}' (have: {', '.join(sorted(dd))})")
    return [Sample.from_dict(r) for r in dd[split].select_columns(list(SAMPLE_FIELDS)).to_list()]


def read_templates(folder: Path, split: str) -> list[int]:
    """The ``template`` column of stored ``split``."""
    dd = _dataset_dict(str(folder))
    return list(dd[split]["template"]) if split in dd and len(dd[split]) else []


def read_card(folder: Path) -> dict[str, Any]:
    """The collection's ``card.json``."""
    path = folder / CARD_FILE
    try:
        return read_json(path, "collection card")
    except UserError as err:
        raise UserError(f"{err}; rebuild the collection") from None
