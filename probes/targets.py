"""What each probe predicts: labels, groups, control labels and surface types per target.

A :class:`Task` is one probing problem on a set of store rows: labels ``y`` [n], ``groups`` [n]
(rows sharing a group never straddle folds: a sample, its Symbol-Evol renaming, its corrupted
twin), the control labels (Hewitt & Liang 2019: each *surface type* gets a label drawn at random
from the target's label distribution) and, where Symbol-Evol variants are among the rows, which
rows are originals (``evol_source``) and which renamings (``evol_dest``).

Surface types: the task for ``family`` and ``task``, a length bin within the family for
``depth``, and the pair (one bag of tokens) for ``valid``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from symbolcollection import registry
from symbolcollection.schema import Sample

TARGETS: tuple[str, ...] = ("family", "task", "depth", "valid")
#: Targets of ``--unit symbol`` (one row per symbol occurrence): its class and its shared concept.
SYMBOL_TARGETS: tuple[str, ...] = ("class", "concept")
DEPTH_BINS = 3
LENGTH_BINS = 5


def depth(sample: Sample) -> int | None:
    """Parse-tree depth of ``sample.output`` (>= 1), or None if its family has no tree or it fails to parse."""
    family = registry.find(sample.family)
    parse = family.depth if family is not None else None
    if parse is None:
        return None
    try:
        return int(parse(sample.output))
    except Exception:  # a parser's own error type: this output has no depth
        return None


def skip_reason(family: str) -> str | None:
    """Why ``family`` has no depth target (None if it has one)."""
    found = registry.find(family)
    if found is None:
        return "no parser for this family"
    return None if found.depth is not None else found.no_depth


@dataclass
class Task:
    """One probing problem: rows of the vector matrix and their labels (all arrays ``[n]``)."""

    rows: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    surface_type: np.ndarray
    evol_source: np.ndarray | None = None
    evol_dest: np.ndarray | None = None
    name: str = ""


def group_ids(ids: Sequence[str], evol_of: Sequence[str | None]) -> np.ndarray:
    """``[n]`` group per row: the original sample's id (for a Symbol-Evol variant, its original's)."""
    return np.array([e or i for i, e in zip(ids, evol_of, strict=True)], dtype=object)


def control_labels(y: np.ndarray, surface_type: np.ndarray, seed: int) -> np.ndarray:
    """``[n]`` control labels: each distinct surface type gets one label drawn from ``y``'s distribution."""
    rng = np.random.default_rng(seed)
    types = sorted(set(surface_type.tolist()), key=str)
    draws = rng.choice(y, size=len(types), replace=True)
    for _ in range(100):  # a control task needs two classes too
        if len(types) < 2 or len(set(draws.tolist())) > 1:
            break
        draws = rng.choice(y, size=len(types), replace=True)
    table = dict(zip(types, draws.tolist(), strict=True))
    return np.array([table[t] for t in surface_type.tolist()], dtype=y.dtype)


def _quantile_bins(values: np.ndarray, bins: int) -> np.ndarray:
    """``[n]`` bin index of each value by its quantile (ties share a bin; a value equal to an edge
    falls below it, so a heavy tie at a quantile does not swallow every larger value)."""
    edges = np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])
    return np.searchsorted(np.unique(edges), values, side="left")


def _merge_small(bins: np.ndarray, minimum: int) -> np.ndarray:
    """Merge any bin with fewer than ``minimum`` rows into its smaller neighbour, until none is left."""
    bins = bins.copy()
    while True:
        labels, counts = np.unique(bins, return_counts=True)
        if len(labels) < 2 or counts.min() >= minimum:
            return np.searchsorted(labels, bins)
        j = int(np.argmin(counts))
        nb = [k for k in (j - 1, j + 1) if 0 <= k < len(labels)]
        target = min(nb, key=lambda k: counts[k])
        bins[bins == labels[j]] = labels[target]


def depth_tasks(
    samples: Sequence[Sample], groups: np.ndarray, lengths: np.ndarray, folds: int, evol: np.ndarray
) -> tuple[list[Task], dict[str, str]]:
    """One depth task per family with a tree: 3 quantile bins of parse depth (bins smaller than
    ``folds`` merged into a neighbour); families that cannot be probed → ``{family: reason}``.

    ``lengths`` [n]: tokens per output (the control's surface type is a length bin of the family);
    ``evol`` [n]: whether each row is a Symbol-Evol variant.
    """
    fams = np.array([s.family for s in samples], dtype=object)
    tasks, skipped = [], {}
    for fam in sorted(set(fams.tolist())):
        why = skip_reason(fam)
        if why:
            skipped[fam] = why
            continue
        rows = np.flatnonzero(fams == fam)
        d = np.array([depth(samples[i]) for i in rows], dtype=object)
        ok = np.array([v is not None for v in d])
        if ok.sum() < len(rows):
            rows, d = rows[ok], d[ok]
        values = d.astype(np.int64)
        if len(np.unique(values)) < 2:
            skipped[fam] = f"every output has depth {values[0] if len(values) else '?'}"
            continue
        y = _merge_small(_quantile_bins(values, DEPTH_BINS), folds)
        if len(np.unique(y)) < 2:
            skipped[fam] = f"depths {sorted(set(values.tolist()))} leave no two bins of >= {folds} samples"
            continue
        length_bin = _quantile_bins(lengths[rows].astype(np.float64), LENGTH_BINS)
        tasks.append(
            Task(
                rows,
                y,
                groups[rows],
                np.array([f"{fam}:{b}" for b in length_bin], dtype=object),
                ~evol[rows],
                evol[rows],
                name=fam,
            )
        )
    return tasks, skipped


def label_task(target: str, samples: Sequence[Sample], groups: np.ndarray, evol: np.ndarray) -> Task:
    """The ``family`` or ``task`` target over every row (surface type: the task)."""
    y = np.array([getattr(s, target) for s in samples], dtype=object)
    tasks = np.array([s.task for s in samples], dtype=object)
    return Task(np.arange(len(samples)), y, groups, tasks, ~evol, evol, name=target)


def valid_task(n_originals: int, twin_of: np.ndarray) -> Task:
    """The ``valid`` target: rows ``0..n_originals-1`` are originals (label 1), the rest their
    corrupted twins (label 0, ``twin_of`` [m] = the row of each twin's original)."""
    keep = np.unique(twin_of)  # originals that have a twin
    rows = np.concatenate([keep, n_originals + np.arange(len(twin_of))])
    groups = np.concatenate([keep, twin_of]).astype(object)
    y = np.concatenate([np.ones(len(keep), dtype=np.int64), np.zeros(len(twin_of), dtype=np.int64)])
    return Task(rows, y, groups, groups.copy(), name="valid")
