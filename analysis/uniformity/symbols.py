"""The symbol-level study: ``run(stores, config=Config(unit="symbol", pairs=...))``.

The unit is a symbol occurrence: one vector per symbol of a sample's symbolic output
(:class:`analysis.symbolstore.SymbolStore`). Alignment and uniformity are the sample study's
formulas (:mod:`analysis.metrics`) on those vectors; the decisions, stated in every result's
config (``symbol_decisions``):

- **Pairs** (:mod:`analysis.uniformity.symbol_pairs`). ``same-symbol``: two occurrences of one
  symbol text of one family (symbol texts are per language) in two different samples; rows per
  family + ``all``. ``concept``: two occurrences of one concept from two different families; rows
  per concept + ``all``; a concept in fewer than 2 families is a skipped row listed in the
  config (an error when ``--concepts`` names it). ``evol``: an original sample's symbol k with
  its Symbol-Evol variant's symbol k, both identifiers, only for sample pairs with equally many
  symbols (the rest counted per row: ``evol_dropped_length``, ``evol_missing``); rows per family
  + ``all``. Variants' occurrences enter nothing but ``evol`` rows. ``max_pairs`` caps each
  family (concept) row, drawn with the seed; ``all`` pools the rows' pairs, as the sample study does.
- **Uniformity over occurrences** of the row (a family's occurrences, a concept's, or all of
  them; for ``evol``, those of the row's kept sample pairs, original and variant): exact and blocked (:class:`analysis.metrics.bootstrap.ClusterUniformity`), on all the
  row's occurrences when they are at most ``max_occurrences``, else on a seeded uniform subsample
  of that many (``n_uniformity`` says how many; the per-family rows of the embedded default are
  under the cap, ``all`` is subsampled). **Uniformity over types** (``uniformity_types``): over
  the centroids (mean unit vector) of the row's symbol types (family, symbol), a point estimate
  (subsampled to ``max_occurrences`` types likewise).
- **Bootstrap**: ``bootstrap`` resamples of the row's SAMPLES (a sample's occurrences, and its
  Symbol-Evol variant's, move together), the same resamples for alignment and uniformity: a
  pair weighs the product of its samples' counts (an ``evol`` pair, one sample, its count), and
  uniformity's kernel sums are aggregated by sample once, so each resample costs O(samples²).
- ``n``: samples of the row; ``n_occurrences``: its occurrences; ``n_types``: its (family,
  symbol) types; ``n_pairs``: pairs used; ``n_pairs_total``: valid pairs before the cap.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import torch

from analysis.extract import ensure_store
from analysis.layers import select_layers
from analysis.metrics.bootstrap import (
    AlignmentResampler,
    ClusterUniformity,
    bootstrap_counts,
    percentile_ci,
)
from analysis.metrics.geometry import IntraOpThreads, UnitRows, pair_distances, uniformity
from analysis.metrics.pairs import derive_seed
from analysis.store import Store
from analysis.symbolstore import SymbolStore, SymbolTable
from analysis.uniformity.config import Config
from analysis.uniformity.symbol_pairs import Group, clusters_of, symbol_groups
from symbolscope.errors import UserError

#: The result's columns after the sample study's ROW_KEYS (symbol rows only).
SYMBOL_KEYS = ("unit", "concept", "n_occurrences", "n_types", "n_uniformity", "uniformity_types")
SYMBOL_DECISIONS = __doc__.split("config (``symbol_decisions``):", 1)[1].strip()


def load_symbols(
    alias: str, given: Store | SymbolStore | None, cfg: Config
) -> tuple[SymbolStore, dict[str, Any]]:
    """The symbol store of checkpoint ``alias`` (extracting it when missing) and its fingerprints.

    ``given``: a sample :class:`Store` (its symbols are read; a store without them is the
    one-line error naming the command that adds them) or an in-memory :class:`SymbolStore`.
    """
    if isinstance(given, SymbolStore):
        return given, {"fingerprint": None, "dataset_fingerprint": None}
    store = (
        given
        if given is not None
        else ensure_store(
            alias, split=cfg.split, span="symbol", pooling=cfg.pooling, layers="all", symbols=True
        )
    )
    prints = {
        "fingerprint": store.manifest["checkpoint"].get("fingerprint"),
        "dataset_fingerprint": store.manifest["dataset"].get("fingerprint"),
    }
    return SymbolStore.of(store), prints


def _check_families(alias: str, table: SymbolTable, families: tuple[str, ...] | None) -> None:
    missing = set(families or ()) - set(table.family)
    if missing:
        raise UserError(
            f"--families: {', '.join(sorted(missing))} not in the symbol store of '{alias}' "
            f"(has {', '.join(sorted(set(table.family)))})"
        )


def _subsample(rows: np.ndarray, cap: int, seed: int, what: str) -> np.ndarray:
    """``rows`` if at most ``cap`` of them, else a seeded uniform subsample of ``cap`` (sorted)."""
    if len(rows) <= cap:
        return rows
    rng = np.random.default_rng(derive_seed(seed, what))
    return np.sort(rng.choice(rows, size=cap, replace=False))


def _type_uniformity(
    unit: torch.Tensor, table: SymbolTable, members: np.ndarray, cfg: Config, name: str, workers: int
) -> tuple[int, float | None]:
    """``(n_types, uniformity of the type centroids)``; a centroid is the mean unit vector of a type."""
    keys = [(table.family[i], table.symbol[i]) for i in members]
    codes = np.unique(np.asarray([f"{f}\x00{s}" for f, s in keys], dtype=object), return_inverse=True)[1]
    n_types = int(codes.max()) + 1 if len(codes) else 0
    if n_types < 2:
        return n_types, None
    sums = torch.zeros(n_types, unit.shape[1], dtype=unit.dtype)  # uniformity normalises the sums
    sums.index_add_(0, torch.from_numpy(codes.astype(np.int64)), unit[torch.from_numpy(members)])
    pick = _subsample(np.arange(n_types), cfg.max_occurrences, cfg.seed, f"types:{name}")
    return n_types, uniformity(sums[torch.from_numpy(pick)], cfg.t, workers=workers).value


def group_row(
    group: Group, vectors: UnitRows, table: SymbolTable, clusters: np.ndarray, cfg: Config, workers: int
) -> dict[str, Any]:
    """The values of one group at one layer: alignment, uniformity (occurrences, types), intervals.

    ``vectors``: the unit vectors ``[N, d]`` of every table row; ``clusters``: ``[N]`` bootstrap unit
    (sample) index of every row; ``workers``: threads sharing the uniformity tiles.
    """
    name = group.concept or group.family
    boot_seed = derive_seed(cfg.seed, name)
    used = np.unique(np.concatenate([clusters[group.members], clusters[group.pairs.reshape(-1)]]))
    row: dict[str, Any] = {
        "unit": "symbol",
        "family": group.family,
        "concept": group.concept,
        "n": len(used),
        "n_occurrences": len(group.members),
        "n_pairs": len(group.pairs),
        "n_pairs_total": group.n_pairs_total,
        **dict.fromkeys(("alignment", "alignment_ci", "uniformity", "uniformity_ci", "n_uniformity")),
        **dict.fromkeys(("n_types", "uniformity_types", "n_boot_valid_alignment", "n_boot_valid_uniformity")),
        "skipped": group.skipped,
        "boot_seed": boot_seed,
        **group.extra,
    }
    if group.skipped is None and len(group.members) < 2 and not len(group.pairs):
        row["skipped"] = "fewer than 2 occurrences and no pair"
    if row["skipped"]:
        return row
    counts = bootstrap_counts(len(used), cfg.bootstrap, boot_seed) if cfg.bootstrap else None
    if len(group.pairs):
        values = pair_distances(vectors.all(), group.pairs) ** cfg.alpha
        row["alignment"] = float(values.mean())
        local = np.searchsorted(used, clusters[group.pairs])
        units = local[:, :1] if (local[:, 0] == local[:, 1]).all() else local  # evol: one sample
        if counts is not None:
            lo, hi, valid = percentile_ci(AlignmentResampler(values, units, len(used))(counts), cfg.level)
            row["alignment_ci"], row["n_boot_valid_alignment"] = [lo, hi], valid
    if len(group.members) >= 2:
        sub = _subsample(group.members, cfg.max_occurrences, cfg.seed, f"occurrences:{name}")
        present, local = np.unique(clusters[sub], return_inverse=True)
        cu = ClusterUniformity(vectors.take(sub), local, cfg.t, workers=workers)
        row["uniformity"], row["n_uniformity"] = cu.value, len(sub)
        if counts is not None:
            lo, hi, valid = percentile_ci(cu(counts[:, np.searchsorted(used, present)]), cfg.level)
            row["uniformity_ci"], row["n_boot_valid_uniformity"] = [lo, hi], valid
    row["n_types"], row["uniformity_types"] = _type_uniformity(
        vectors.all(), table, group.members, cfg, name, workers
    )
    return row


def _local(groups: list[Group], n: int) -> tuple[np.ndarray, list[Group]]:
    """``(needed [m], groups)``: the table rows any group uses, and the groups renumbered into them."""
    used = np.zeros(n, dtype=bool)
    for g in groups:
        used[g.members] = True
        used[g.pairs.reshape(-1)] = True
    needed = np.flatnonzero(used)
    pos = np.full(n, -1, dtype=np.int64)
    pos[needed] = np.arange(len(needed))
    return needed, [replace(g, members=pos[g.members], pairs=pos[g.pairs]) for g in groups]


def symbol_rows(alias: str, given: Store | SymbolStore | None, cfg: Config) -> list[dict[str, Any]]:
    """All result rows of one checkpoint: every requested layer × group of ``cfg.pairs``."""
    symbols, prints = load_symbols(alias, given, cfg)
    table = symbols.table
    _check_families(alias, table, cfg.families)
    groups = symbol_groups(table, cfg.pairs, cfg)
    needed, groups = _local(groups, len(table))  # only the rows some group uses are read and normalised
    table = table.take(needed)
    clusters = np.unique(np.asarray(clusters_of(table), dtype=object), return_inverse=True)[1]
    ids = [f"{s}#{p}" for s, p in zip(table.sample_id, table.position, strict=True)]
    settings = {
        "pairs": cfg.pairs,
        "t": cfg.t,
        "alpha": cfg.alpha,
        "max_pairs": cfg.max_pairs,
        "max_occurrences": cfg.max_occurrences,
        "seed": cfg.seed,
        "n_boot": cfg.bootstrap,
        "level": cfg.level,
    }
    rows: list[dict[str, Any]] = []
    workers = torch.get_num_threads()
    for layer in select_layers(cfg.layers, symbols.layers):
        with IntraOpThreads(1):  # many small ops: OpenMP's barriers cost more than they save
            vectors = UnitRows(symbols.read(layer)[needed], ids, "symbol vectors")
            values = [group_row(g, vectors, table, clusters.astype(np.int64), cfg, workers) for g in groups]
        for value in values:
            rows.append(
                {
                    "ckpt": alias,
                    **prints,
                    "layer": layer,
                    "span": "symbol",
                    **settings,
                    **value,
                    "normalised_input": vectors.normalised_input,
                }
            )
    return rows
