"""The sample set an extraction reads: a split of the Symbolic Collection, or a JSONL file.

``analysis`` is loaded *with* its Symbol-Evol variants (``include_evol=True``) so that one store
holds both members of every evol pair; ``evol_of`` names, for each evolved variant, the id of
its original (``None`` for originals).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from symbolcollection.schema import SAMPLE_FIELDS, Sample
from symbolcollection.splits import DERIVED_SPLITS, SPLITS
from symbolscope.errors import UserError
from symbolscope.io import atomic_write_json
from symbolscope.paths import store_root
from symbolscope.reading import json_lines

#: Every split name the collection serves (stored and derived).
COLLECTION_SPLITS: tuple[str, ...] = (*SPLITS, *DERIVED_SPLITS)


@dataclass(frozen=True)
class Dataset:
    """An ordered list of samples with what the store records about it.

    ``fingerprint`` is a hex SHA-256 over every field of every sample, in order, and ``evol_of``.
    """

    split: str
    samples: tuple[Sample, ...]
    evol_of: tuple[str | None, ...]
    fingerprint: str


def content_fingerprint(samples: Sequence[Sample], evol_of: Sequence[str | None]) -> str:
    """Hex SHA-256 of the collection's :func:`dataset_fingerprint` of ``samples`` and ``evol_of``."""
    from symbolcollection import dataset_fingerprint

    h = hashlib.sha256(str(dataset_fingerprint(list(samples))).encode())
    h.update(json.dumps(list(evol_of)).encode())
    return h.hexdigest()


def from_samples(
    samples: Sequence[Sample], split: str = "custom", evol_of: Sequence[str | None] | None = None
) -> Dataset:
    """Wrap an in-memory list of samples (ids must be unique)."""
    if not samples:
        raise UserError(f"split '{split}' has no samples; nothing to extract")
    evol = tuple(evol_of) if evol_of is not None else (None,) * len(samples)
    if len(evol) != len(samples):
        raise ValueError("evol_of must have one entry per sample")
    seen: set[str] = set()
    for s in samples:
        if s.id in seen:
            raise UserError(f"split '{split}': sample id '{s.id}' occurs twice; ids must be unique")
        seen.add(s.id)
    return Dataset(split, tuple(samples), evol, content_fingerprint(samples, evol))


def _from_jsonl(path: Path) -> Dataset:
    samples: list[Sample] = []
    evol: list[str | None] = []
    for lineno, row in json_lines(path, "split file"):
        if not isinstance(row, dict):
            raise UserError(f"{path}:{lineno}: expected a JSON object (a sample row)")
        missing = [f for f in ("id", "output") if f not in row or (f == "id" and not row[f])]
        if missing:
            raise UserError(f"{path}:{lineno}: a sample needs {SAMPLE_FIELDS}; missing {missing}")
        samples.append(Sample.from_dict(row))
        evol.append(row.get("evol_of") or None)
    return from_samples(samples, str(path), evol)


def _from_collection(split: str, seed: int) -> Dataset:
    from symbolcollection import evol_pairs, load_split

    samples = load_split(split, seed=seed, include_evol=(split == "analysis"))
    if not samples:
        raise UserError(f"split '{split}' has no samples; nothing to extract")
    evolved = {new: orig for orig, new in evol_pairs(split, seed=seed)} if split == "analysis" else {}
    return from_samples(samples, split, [evolved.get(s.id) for s in samples])


def _fingerprint_cache() -> Path:
    return store_root() / ".split-fingerprints.json"


def _split_stamp(split: str, seed: int) -> str | None:
    """A cheap identity of a collection split's files (folder, names, sizes, mtimes), or None."""
    try:
        from symbolcollection import ensure_collection  # type: ignore[attr-defined]

        folder = Path(ensure_collection(seed))
    except (ImportError, UserError, OSError):
        return None
    parts = [str(folder.resolve()), split, str(seed)]
    if split in DERIVED_SPLITS:  # derived from analysis and cached in one file beside it
        from symbolcollection.corrupt import twins_path

        twins = twins_path(folder)
        if not twins.is_file():
            return None
        st = twins.stat()
        parts.append(f"{twins.name}:{st.st_size}:{st.st_mtime_ns}")
        split = "analysis"
    names = (split, f"evol_{split}") if split == "analysis" else (split,)
    for name in names:
        sub = folder / "dataset" / name
        if not sub.is_dir():
            return None
        for f in sorted(sub.iterdir()):
            st = f.stat()
            parts.append(f"{name}/{f.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cached_fingerprint(split: str, seed: int = 0) -> str | None:
    """The fingerprint of a collection split recorded when it was last loaded, if its files are
    unchanged since (so a store hit needs no read of the split); None otherwise."""
    if split not in COLLECTION_SPLITS:
        return None
    stamp = _split_stamp(split, seed)
    try:
        cache = json.loads(_fingerprint_cache().read_text())
    except (OSError, ValueError):
        return None
    return cache.get(stamp) if stamp else None


def _remember_fingerprint(split: str, seed: int, fingerprint: str) -> None:
    stamp = _split_stamp(split, seed)
    if stamp is None:
        return
    path = _fingerprint_cache()
    try:
        cache = json.loads(path.read_text())
    except (OSError, ValueError):
        cache = {}
    if cache.get(stamp) != fingerprint:
        cache[stamp] = fingerprint
        with contextlib.suppress(OSError):  # a cache only
            atomic_write_json(path, cache)


def load_dataset(split: str, seed: int = 0) -> Dataset:
    """``train``/``analysis``/``test``/``analysis-valid`` from the collection, or a ``.jsonl`` file.

    Raises :class:`UserError` for an unknown split, a missing file, or a split with no samples.
    """
    path = Path(split).expanduser()
    if split in COLLECTION_SPLITS:
        data = _from_collection(split, seed)
        _remember_fingerprint(split, seed, data.fingerprint)
        return data
    if path.suffix == ".jsonl":
        if not path.is_file():
            raise UserError(f"split file {path} does not exist")
        return _from_jsonl(path)
    raise UserError(
        f"unknown split '{split}'; use one of {', '.join(COLLECTION_SPLITS)} or a path to a .jsonl file"
    )
