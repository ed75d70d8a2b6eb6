"""The alignment/uniformity study as a library function: ``align_uniform(stores, config=...)``.

For each checkpoint it reads the activation store (extracting first when it is missing),
selects the rows the pairing uses (Symbol-Evol variants only for ``evol`` pairs), and computes
alignment and uniformity (Wang & Isola 2020, :mod:`analysis.metrics`) per symbol family and
overall, per layer, with bootstrap intervals over samples. It returns a
:class:`symbolscope.results.Result`; ``python -m analysis.uniformity`` is its CLI.

The paper's exact pairing, layer and pooling are not public; the defaults here (pairs of two
different samples of the same family, mean pooling over the symbol span) are ours and stated in
every result file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from analysis.extract import ensure_store
from analysis.layers import LayerKey, select_layers
from analysis.metrics.bootstrap import (
    MIN_BOOTSTRAP,
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
from analysis.metrics.pairs import align_by_ids, derive_seed, evol_pairs_indices, family_pairs
from analysis.store import POOLINGS, SPANS, Store, StoresOrAliases, named_stores
from symbolscope import callable_module
from symbolscope.errors import UserError, get_logger
from symbolscope.results import Result

log = get_logger("analysis.align_uniform")

PAIR_KINDS = ("family", "evol", "nl-symbol")
ALL = "all"
ANALYSIS = "uniformity"  # results/<ANALYSIS>/<run-id>.json
#: The result's first CSV columns (every row has them).
ROW_KEYS = (
    "ckpt", "fingerprint", "layer", "span", "pairs", "family", "n", "n_pairs",
    "alignment", "alignment_ci", "uniformity", "uniformity_ci", "t", "alpha",
)  # fmt: skip
DEFAULTS_NOTE = (
    "The paper's exact pairing, layer and pooling are not public; the defaults here (pairs of two "
    "different samples of the same family, mean pooling over the symbol span, every layer) are ours "
    "and stated in every result file."
)


@dataclass(frozen=True)
class AlignUniformConfig:
    """Every setting of the study (all recorded in the result's ``config``).

    ``layers``: ``last | all | "0,10,-1,final_norm"``; ``pairs``: ``family | evol | nl-symbol``;
    ``families``: restrict to these (default: all in the store); ``bootstrap``: resamples (0 = no
    intervals); ``max_pairs``: cap on positive pairs per family; ``seed`` seeds pairs and bootstrap.
    """

    layers: str = "last"
    span: str = "symbol"
    pairs: str = "family"
    t: float = 2.0
    alpha: float = 2.0
    families: tuple[str, ...] | None = None
    bootstrap: int = 1000
    max_pairs: int = 1000
    seed: int = 0
    split: str = "analysis"
    pooling: str = "mean"
    level: float = 0.95

    def check(self) -> None:
        """Raise :class:`UserError` for a setting outside its domain."""
        for name in ("t", "alpha"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise UserError(f"--{name} must be a positive number, got {value}")
        check_resamples(self.bootstrap, "--bootstrap")
        if self.families is not None and not self.families:
            raise UserError(
                "--families names no family; give comma-separated names (e.g. sql,fol) or leave it out"
            )
        if self.max_pairs < 1:
            raise UserError(f"--max-pairs must be >= 1, got {self.max_pairs}")
        if self.pairs not in PAIR_KINDS:
            raise UserError(f"unknown pairing '{self.pairs}'; choose one of {', '.join(PAIR_KINDS)}")
        if self.span not in SPANS or self.pooling not in POOLINGS:
            raise UserError(f"span must be one of {SPANS} and pooling one of {POOLINGS}")
        if not 0.0 < self.level < 1.0:
            raise UserError(f"level must be in (0, 1), got {self.level}")


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
    raise UserError(f"unknown pairing {kind!r}; choose one of {', '.join(PAIR_KINDS)}")


def uniformity_report(
    vectors: ArrayLike,
    families: Sequence[str],
    *,
    pairs: str = "family",
    y: ArrayLike | None = None,
    evol_pairs: np.ndarray | None = None,
    t: float = 2.0,
    alpha: float = 2.0,
    max_pairs: int = 1000,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
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
        "pairs": pairs, "t": t, "alpha": alpha, "max_pairs": max_pairs, "seed": seed,
        "n_boot": n_boot, "level": level, "normalised_input": normalised,
    }  # fmt: skip
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
        "family": name, "n": n, "n_pairs": 0, "alignment": None, "alignment_ci": None,
        "uniformity": None, "uniformity_ci": None, "n_boot_valid_alignment": None,
        "n_boot_valid_uniformity": None, "skipped": None, **settings, "boot_seed": boot_seed,
    }  # fmt: skip
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


def check_resamples(n_boot: Any, name: str) -> None:
    """Raise :class:`UserError` unless ``n_boot`` is 0 (no intervals) or at least :data:`MIN_BOOTSTRAP`."""
    if (
        isinstance(n_boot, bool)
        or not isinstance(n_boot, int)
        or not (n_boot == 0 or n_boot >= MIN_BOOTSTRAP)
    ):
        raise UserError(
            f"{name} {n_boot!r}: give 0 (no intervals) or at least {MIN_BOOTSTRAP} resamples "
            "(fewer give intervals that may not contain the estimate)"
        )


def _select(store: Store, layer: LayerKey, families: set[str] | None, pairs: str) -> dict[str, Any]:
    """One layer's rows for the study: vectors [n, d], ids, families, evol pair indices [P, 2].

    Symbol-Evol variants are kept only for the ``evol`` pairing (elsewhere they would count a
    renamed twin as a second sample).
    """
    vectors, ids, fams = store.read(layer)
    evol_of = list(store.evol_of)
    keep = np.ones(len(ids), dtype=bool)
    if pairs != "evol":
        keep &= np.array([e is None for e in evol_of], dtype=bool)
    if families is not None:
        keep &= np.array([f in families for f in fams], dtype=bool)
    idx = np.flatnonzero(keep)
    sel_ids = [ids[i] for i in idx]
    out = {"vectors": vectors[idx], "ids": sel_ids, "families": [fams[i] for i in idx], "evol_pairs": None}
    if pairs == "evol":
        ev = [(evol_of[i], ids[i]) for i in idx if evol_of[i] is not None]
        if not ev:
            raise UserError(
                f"--pairs evol: split '{store.manifest['dataset']['split']}' has no evolved pairs"
            )
        out["evol_pairs"] = evol_pairs_indices(sel_ids, ev)
    return out


def _stores(alias: str, given: Store | None, cfg: AlignUniformConfig) -> tuple[Store, Store | None]:
    """The store the study reads and, for ``nl-symbol``, the symbol-span store beside it."""
    span = "instruction" if cfg.pairs == "nl-symbol" else cfg.span
    store = given or ensure_store(alias, split=cfg.split, span=span, pooling=cfg.pooling, layers="all")
    other = None
    if cfg.pairs == "nl-symbol":
        other = ensure_store(alias, split=cfg.split, span="symbol", pooling=cfg.pooling, layers="all")
    return store, other


def _check_families(alias: str, store: Store, families: set[str] | None) -> None:
    missing = (families or set()) - set(store.families)
    if missing:
        raise UserError(
            f"--families: {', '.join(sorted(missing))} not in the store of '{alias}' "
            f"(has {', '.join(sorted(set(store.families)))})"
        )


def _checkpoint_rows(alias: str, given: Store | None, cfg: AlignUniformConfig) -> list[dict[str, Any]]:
    """All result rows (every requested layer × family + ``all``) for one checkpoint."""
    store, other = _stores(alias, given, cfg)
    families = set(cfg.families) if cfg.families else None
    _check_families(alias, store, families)
    span = "instruction~symbol" if cfg.pairs == "nl-symbol" else cfg.span
    rows: list[dict[str, Any]] = []
    for layer in select_layers(cfg.layers, store.layers):
        sel = _select(store, layer, families, cfg.pairs)
        y = None
        if other is not None:
            y_vec, y_ids, _ = other.read(layer)
            ia, ib = align_by_ids(sel["ids"], y_ids)
            sel = {**sel, "vectors": sel["vectors"][ia], "ids": [sel["ids"][i] for i in ia],
                   "families": [sel["families"][i] for i in ia]}  # fmt: skip
            y = y_vec[ib]
        report = uniformity_report(
            sel["vectors"], sel["families"], pairs=cfg.pairs, y=y, evol_pairs=sel["evol_pairs"],
            t=cfg.t, alpha=cfg.alpha, max_pairs=cfg.max_pairs, n_boot=cfg.bootstrap,
            seed=cfg.seed, level=cfg.level, ids=sel["ids"],
        )  # fmt: skip
        for r in report:
            rows.append({
                "ckpt": alias, "fingerprint": store.manifest["checkpoint"]["fingerprint"],
                "dataset_fingerprint": store.manifest["dataset"]["fingerprint"],
                "layer": layer, "span": span, **r,
            })  # fmt: skip
    return rows


def align_uniform(stores_or_aliases: StoresOrAliases, *, config: AlignUniformConfig | None = None) -> Result:
    """Alignment and uniformity per checkpoint × layer × family (and ``all``), with bootstrap CIs.

    ``stores_or_aliases``: ``["base", "ours"]``, ``"base,ours"``, ``{alias: Store}`` (from
    :func:`analysis.extract`) or Stores; the first is the baseline of every comparison. Missing
    stores are extracted. Returns a :class:`~symbolscope.results.Result` whose rows have
    :data:`ROW_KEYS` (+ ``n_boot_valid_*``, ``skipped``, settings); ``result.save("results/")``
    writes ``results/uniformity/<run-id>.json`` + ``.csv``.
    """
    cfg = config or AlignUniformConfig()
    cfg.check()
    named = named_stores(stores_or_aliases)
    rows: list[dict[str, Any]] = []
    for alias, store in named:
        rows.extend(_checkpoint_rows(alias, store, cfg))
    skipped = sorted({f"{r['ckpt']}:{r['family']}" for r in rows if r.get("skipped")})
    if skipped:
        log.warning("skipped (fewer than 2 samples): %s", ", ".join(skipped))
    settings = {**asdict(cfg), "families": list(cfg.families) if cfg.families else None}
    from symbolcollection import registry  # the family order gives the figures' colours

    config_out = {
        **settings,
        "family_order": list(registry.names()),
        "ckpts": [a for a, _ in named],
        "skipped": skipped,
        "defaults_note": DEFAULTS_NOTE,
    }
    return Result(ANALYSIS, config_out, rows, columns=ROW_KEYS)


callable_module(__name__, align_uniform)
