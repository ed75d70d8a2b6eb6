"""Alignment and uniformity of one layer's vectors, per family and overall, with bootstrap
intervals: :func:`uniformity_report` (the computation the study runs per checkpoint and layer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from analysis.metrics.bootstrap import (
    AlignmentResampler,
    UniformityResampler,
    bootstrap_counts,
    percentile_ci,
)
from analysis.metrics.geometry import (
    DEFAULT_BLOCK_SIZE,
    ArrayLike,
    UnitRows,
    check_positive,
    pair_distances,
    uniformity,
)
from analysis.metrics.pairs import derive_seed, family_pairs
from analysis.uniformity.config import UNIT_PAIRS, Config, check_resamples
from symbolscope.errors import UserError, get_logger

log = get_logger("analysis.uniformity")

ALL = "all"
#: The study's defaults, which :func:`uniformity_report`'s keywords share.
_DEFAULT = Config()


def _positives(
    kind: str,
    n: int,
    families: np.ndarray,
    y: ArrayLike | None,
    evol_pairs: np.ndarray | None,
    max_pairs: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(pairs [P, 2], units [P, k], pairs_index_y)`` for the pairing mode."""
    if kind == "family":
        pairs = family_pairs(families.tolist(), max_pairs, seed).all_pairs()
        return pairs, pairs, False
    if kind == "evol":
        if evol_pairs is None:
            raise UserError(
                "--pairs evol needs evol_pairs (original, evolved) row indices; see analysis.metrics.pairs"
            )
        pairs = np.asarray(evol_pairs, dtype=np.int64).reshape(-1, 2)
        if len(pairs) == 0:
            raise UserError("--pairs evol: split has no evolved pairs")
        if pairs.min() < 0 or pairs.max() >= n:
            raise UserError(f"--pairs evol: pair row indices out of range for {n} rows; rebuild them")
        return pairs, pairs, False
    if kind == "nl-symbol":
        if y is None:
            raise UserError(
                "--pairs nl-symbol needs the symbol-span vectors y, row-aligned with the instruction span"
            )
        rows = np.arange(n, dtype=np.int64)
        return np.stack([rows, rows], axis=1), rows[:, None], True
    raise UserError(f"unknown pairing {kind!r} of samples; choose one of {', '.join(UNIT_PAIRS['sample'])}")


def uniformity_report(
    vectors: ArrayLike,
    families: Sequence[str],
    *,
    pairs: str = _DEFAULT.pairs,
    y: ArrayLike | None = None,
    evol_pairs: np.ndarray | None = None,
    t: float = _DEFAULT.t,
    alpha: float = _DEFAULT.alpha,
    max_pairs: int = _DEFAULT.max_pairs,
    n_boot: int = _DEFAULT.bootstrap,
    seed: int = _DEFAULT.seed,
    level: float = _DEFAULT.level,
    block_size: int = DEFAULT_BLOCK_SIZE,
    ids: Sequence[object] | None = None,
) -> list[dict[str, Any]]:
    """Alignment and uniformity per family and overall (``family == "all"``), with percentile CIs.

    ``vectors``: ``[n, d]`` one layer's pooled vectors (any float dtype; normalised here);
    ``families``: ``[n]`` family per row. Pairing (``pairs``): ``"family"`` — up to ``max_pairs``
    same-family pairs per family (:func:`analysis.metrics.pairs.family_pairs`); ``"evol"`` — ``evol_pairs``
    ``[P, 2]`` (original, evolved) row indices into ``vectors``; ``"nl-symbol"`` — ``vectors`` are the
    instruction span and ``y`` ``[n, d]`` the symbol span of the same rows. Uniformity is always over
    the rows of ``vectors`` in the group. A pair belongs to a group if all the rows it uses do.

    Bootstrap: ``n_boot`` resamples of the group's samples (0 = no CIs), the same resamples for both
    metrics, seeded by ``(seed, family)``. Groups with fewer than 2 samples get a row with
    ``skipped`` set and no values. Each row: family, n, n_pairs, alignment, alignment_ci [lo, hi],
    uniformity, uniformity_ci [lo, hi], n_boot_valid_{alignment,uniformity}, normalised_input,
    skipped, and the settings (pairs, t, alpha, max_pairs, seed, boot_seed, n_boot, level).
    """
    t = check_positive(t, "t")
    alpha = check_positive(alpha, "alpha")
    check_resamples(n_boot, "n_boot")
    rows = UnitRows(vectors, ids, "vectors")
    fam = np.asarray([str(f) for f in families], dtype=object)
    if len(fam) != rows.n:
        raise UserError(f"{len(fam)} families given for {rows.n} vectors; pass one family per row")
    unit = rows.all()
    pair_idx, units, uses_y = _positives(pairs, rows.n, fam, y, evol_pairs, max_pairs, seed)
    normalised = rows.normalised_input
    other = unit
    if uses_y:
        rows_y = UnitRows(y, ids, "y")
        if rows_y.x.shape != rows.x.shape:
            raise UserError(f"nl-symbol: y {tuple(rows_y.x.shape)} must match vectors {tuple(rows.x.shape)}")
        other, normalised = rows_y.all(), normalised or rows_y.normalised_input
    dist = pair_distances(unit, pair_idx, other)
    values = torch.from_numpy(dist).pow(alpha).numpy() if len(pair_idx) else np.empty(0)

    settings = {
        "pairs": pairs,
        "t": t,
        "alpha": alpha,
        "max_pairs": max_pairs,
        "seed": seed,
        "n_boot": n_boot,
        "level": level,
        "normalised_input": normalised,
    }
    groups = [(name, np.flatnonzero(fam == name)) for name in sorted(set(fam.tolist()))]
    groups.append((ALL, np.arange(rows.n)))
    out: list[dict[str, Any]] = []
    for name, members in groups:
        out.append(_group_row(name, members, unit, values, units, t, block_size, settings))
    skipped = [r["family"] for r in out if r["skipped"]]
    if skipped and pairs != "family":  # family_pairs has already warned
        log.warning("skipped (fewer than 2 samples): %s", ", ".join(skipped))
    return out


def _group_row(
    name: str,
    members: np.ndarray,
    unit: torch.Tensor,
    values: np.ndarray,
    units: np.ndarray,
    t: float,
    block_size: int,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """The report row of one group (a family or ``all``).

    ``members``: ``[n]`` row indices of the group; ``unit``: ``[N, d]`` unit vectors of all rows;
    ``values``: ``[P]`` per-pair ``distance^alpha``; ``units``: ``[P, k]`` rows each pair uses.
    """
    n = len(members)
    boot_seed = derive_seed(settings["seed"], name)
    row: dict[str, Any] = {
        "family": name,
        "n": n,
        "n_pairs": 0,
        "alignment": None,
        "alignment_ci": None,
        "uniformity": None,
        "uniformity_ci": None,
        "n_boot_valid_alignment": None,
        "n_boot_valid_uniformity": None,
        "skipped": None,
        **settings,
        "boot_seed": boot_seed,
    }
    if n < 2:
        row["skipped"] = "fewer than 2 samples"
        return row
    local = np.full(unit.shape[0], -1, dtype=np.int64)
    local[members] = np.arange(n)
    local_units = local[units] if len(units) else np.empty((0, 1), dtype=np.int64)
    mask = (local_units >= 0).all(axis=1)
    group_values, group_units = values[mask], local_units[mask]
    xg = unit[members]
    row["n_pairs"] = len(group_values)
    row["uniformity"] = uniformity(xg, t, block_size=block_size).value
    if len(group_values):
        row["alignment"] = float(group_values.mean())
    if settings["n_boot"] == 0:
        return row
    counts = bootstrap_counts(n, settings["n_boot"], boot_seed)
    lo, hi, valid = percentile_ci(
        UniformityResampler(xg, t, block_size=block_size)(counts), settings["level"]
    )
    row["uniformity_ci"], row["n_boot_valid_uniformity"] = [lo, hi], valid
    if len(group_values):
        resample = AlignmentResampler(group_values, group_units, n)
        lo, hi, valid = percentile_ci(resample(counts), settings["level"])
        row["alignment_ci"], row["n_boot_valid_alignment"] = [lo, hi], valid
    return row
