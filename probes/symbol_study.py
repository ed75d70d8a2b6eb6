"""The probes of ``--unit symbol`` for one checkpoint: open its symbol store, build the symbol
targets (:mod:`probes.symbols`), probe every layer in parallel (joblib, one layer per job; the
surface baseline, the longest job, first) and return the rows.

Rows: one per ckpt × layer × target × kind: ``probe`` (``class``, ``class_by_type``,
``concept``), ``concept_transfer`` (per held-out family, and the mean with ``held_out`` None),
and, with ``layer`` None, ``surface`` and ``surface_transfer`` (the same on the bag of the
symbol's own token ids). Every row has ``unit = "symbol"``, ``held_out``, ``n_train``, ``n_test``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from analysis.extract import ensure_store
from analysis.layers import LayerKey, select_layers
from analysis.store import Store
from analysis.symbolstore import SymbolStore
from probes.config import Config
from probes.inputs import refuse_nonfinite
from probes.layer import Measures, plan_tasks, timed
from probes.symbols import surface_counts, symbol_layer, symbol_tasks
from symbolscope.cores import worker_count


def open_symbols(alias: str, cfg: Config) -> tuple[SymbolStore, dict[str, Any]]:
    """The symbol store of checkpoint ``alias`` on ``cfg.split`` (extracting with symbols on a
    miss) and its fingerprints: the one place the symbol probes ask for an extraction."""
    store = ensure_store(
        alias,
        split=cfg.split,
        span="symbol",
        pooling=cfg.pooling,
        layers=cfg.layers,
        progress=cfg.progress,
        symbols=True,
    )
    return SymbolStore.of(store), fingerprints(store.manifest)


def fingerprints(manifest: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint's and the dataset's fingerprint of a (sample or symbol) store's manifest
    (None where it records none, as an in-memory symbol store)."""
    return {
        "fingerprint": (manifest.get("checkpoint") or {}).get("fingerprint"),
        "dataset_fingerprint": (manifest.get("dataset") or {}).get("fingerprint"),
    }


def symbol_source(
    alias: str, given: Store | SymbolStore | None, cfg: Config
) -> tuple[SymbolStore, dict[str, Any]]:
    """The symbols to probe: a given :class:`SymbolStore`, the symbols of a given sample
    :class:`Store` (:meth:`SymbolStore.of`'s one-line error if it has none), or :func:`open_symbols`."""
    if isinstance(given, SymbolStore):
        return given, fingerprints(given.manifest)
    if given is not None:
        return SymbolStore.of(given), fingerprints(given.manifest)
    return open_symbols(alias, cfg)


def read_symbols(symbols: SymbolStore, layer: LayerKey) -> np.ndarray:
    """``[n, d]`` float32 symbol vectors of ``layer``, refusing NaN or infinite values."""
    return refuse_nonfinite(
        symbols.read(layer), f"symbol store of {symbols.path or 'memory'}", layer, symbols.table.sample_id
    )


def _row(
    alias: str, meta: dict[str, Any], kind: str, layer: LayerKey | None, target: str, values: dict
) -> dict[str, Any]:
    return {
        "ckpt": alias,
        **meta,
        "unit": "symbol",
        "kind": kind,
        "layer": layer,
        "target": target,
        "held_out": None,
        "n_train": None,
        "n_test": None,
        **dict.fromkeys(("control_accuracy", "selectivity", "codelength_bits", "compression")),
        **values,
    }


def _layer_rows(alias: str, meta: dict, key: LayerKey | None, out: dict[str, Any]) -> list[dict]:
    """The rows of one layer's (or, ``key`` None, the surface's) :func:`symbol_layer` output."""
    probe, transfer = ("probe", "concept_transfer") if key is not None else ("surface", "surface_transfer")
    rows = [_row(alias, meta, probe, key, t, r["probe"]) for t, r in out["probes"].items()]
    rows += [_row(alias, meta, transfer, key, "concept", r) for r in out["transfer"]]
    return rows


def _with_baselines(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``baseline`` of each row: the surface's accuracy for its target (and held-out family);
    on surface rows, chance."""
    surface = {(r["target"], r["held_out"]): r["accuracy"] for r in rows if r["layer"] is None}
    kinds = {"probe": "surface", "concept_transfer": "surface_transfer"}
    for r in rows:
        if r["layer"] is None:
            r["baseline"] = r["chance"]
        elif r["kind"] in kinds:
            r["baseline"] = surface.get((r["target"], r["held_out"]))
    return rows


def symbol_checkpoint_rows(
    alias: str, given: Store | SymbolStore | None, cfg: Config
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """All symbol-unit rows of one checkpoint (see the module doc), and what it skipped or kept."""
    from joblib import Parallel, delayed
    from tqdm import tqdm

    symbols, meta = symbol_source(alias, given, cfg)
    layers = select_layers(cfg.layers, symbols.layers)
    tasks, transfer, info = symbol_tasks(symbols.table, cfg.target_list, cfg.folds, cfg.per_cell, cfg.seed)
    spec = cfg.spec()
    plans = plan_tasks(tasks, spec)  # folds depend on labels and groups only: made once
    what = Measures(cfg.control, cfg.mdl, cfg.transfer)
    for layer in layers:  # a UserError raised while joblib dispatches races its executor
        read_symbols(symbols, layer)
    keys: list[LayerKey | None] = ([None] if cfg.surface else []) + list(layers)

    def job(key: LayerKey | None) -> Any:
        if key is None:
            used = np.unique(np.concatenate([t.rows for parts in tasks.values() for t in parts]))
            X = surface_counts(symbols.table, used)
            return delayed(timed)(symbol_layer, X, tasks, transfer, replace(spec, pca=None), what, plans)
        return delayed(timed)(symbol_layer, read_symbols(symbols, key), tasks, transfer, spec, what, plans)

    runner = Parallel(n_jobs=min(worker_count(cfg.n_jobs, warn=False), len(keys)), return_as="generator")
    bar = tqdm(total=len(keys), desc=f"symbol probes {alias}", unit="layer", disable=not cfg.progress)
    rows: list[dict[str, Any]] = []
    cpu = 0.0
    for key, (out, seconds) in zip(keys, runner(job(k) for k in keys), strict=True):
        cpu += seconds
        rows += _layer_rows(alias, meta, key, out)
        bar.update(1)
    bar.close()
    info |= {"symbol_rows": len(symbols.table), "lex_skipped": len(symbols.skipped)}
    info["probe_cpu_seconds"] = round(cpu, 1)
    return _with_baselines(rows), info
