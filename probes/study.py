"""``probes.run(stores_or_aliases, config=ProbeConfig(...)) -> Result``: the probing study.

Per checkpoint it opens the activation store of the analysis split (extracting first when it is
missing, with a progress bar) and, for ``valid``, the store of the corrupted twins
(``analysis-valid``); builds the targets from the split's samples; probes every requested layer
in parallel (joblib, one layer per job) and the bag-of-tokens surface baseline once per target;
and returns one row per ckpt × layer × target × kind (``probe``, ``evol_transfer``, ``surface``).
``python -m probes`` is its CLI.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import numpy as np

from analysis.extract import ensure_store
from analysis.layers import LayerKey, select_layers
from analysis.store import Store, StoresOrAliases, named_stores
from probes.config import ProbeConfig
from probes.inputs import CheckpointInputs, build_tasks, load_inputs, surface_counts
from probes.layer import Measures, probe_layer
from symbolscope.errors import UserError, get_logger
from symbolscope.results import Result

log = get_logger("probes")

ANALYSIS = "probes"  # results/probes/<run-id>.json
ROW_KEYS = (
    "ckpt", "fingerprint", "kind", "layer", "target", "accuracy", "accuracy_ci", "macro_f1",
    "control_accuracy", "selectivity", "codelength_bits", "compression", "n", "n_classes", "baseline",
    "chance",
)  # fmt: skip
NOTES = {
    "family/task": "sanity targets: a symbol family (and a task) is readable from its tokens alone, so "
    "these probes are expected near ceiling for any model; read them beside the surface baseline "
    "and selectivity",
    "depth": "parse-tree depth of the output from its family's parser, 3 quantile bins per family "
    "(bins smaller than --folds merged into a neighbour), probed within each family; pooled over families",
    "valid": "an output vs its corrupted twin (two tokens swapped: same bag of tokens, rejected by "
    "its checker); the surface baseline is at chance by construction",
    "control": "Hewitt & Liang 2019: labels drawn at random per surface type (task for family/task, "
    "length bin for depth, the pair for valid); selectivity = accuracy - control_accuracy",
    "mdl": "Voita & Titov 2020 online code: blocks at fractions of the shuffled groups, first block "
    "uniform; compression = uniform codelength / online codelength",
    "baseline": "on probe and evol_transfer rows: the surface baseline's accuracy for that ckpt and "
    "target; on surface rows: the majority-class rate (chance)",
    "pca": "vectors are standardised and reduced by PCA (fit on the training fold) before the "
    "logistic regression; the inner CV that picks C reuses the outer fold's transform",
}


def results_readme() -> str:
    """What ``results/probes/README.md`` says about the columns and how to read them."""
    lines = [
        "# results/probes",
        "",
        "`<run-id>.json` (config + rows) and `.csv` (the same rows, flat), written by `python -m probes`.",
        "One row per ckpt x layer x target x kind: `probe` (per layer), `evol_transfer` (per layer: "
        "trained on originals, tested on their Symbol-Evol renamings), `surface` (bag-of-token counts, "
        "`layer` empty).",
        "",
        "**`family` and `task` are sanity targets: expected near ceiling for any model** (a family is "
        "readable from its tokens alone). Read every accuracy beside `baseline` (the surface "
        "baseline), `selectivity` and `compression`.",
        "",
    ]
    lines += [f"- **{k}**: {v}" for k, v in NOTES.items()]
    return "\n".join(lines) + "\n"


def _read(store: Store, layer: LayerKey) -> np.ndarray:
    """Layer ``layer`` of ``store`` as ``[n, d]`` float32, refusing NaN or infinite values."""
    X, _, _ = store.read(layer)
    X = np.asarray(X, dtype=np.float32)
    bad = ~np.isfinite(X).all(axis=1)
    if bad.any():
        raise UserError(
            f"store {store.name}: layer {layer} has non-finite (NaN/inf) vectors in {int(bad.sum())} rows "
            f"(first: {store.sample_ids[int(np.flatnonzero(bad)[0])]}); remove the store and re-extract"
        )
    return X


def _matrix(inputs: CheckpointInputs, layer: LayerKey) -> np.ndarray:
    """``[N, d]``: the analysis rows, then (for ``valid``) the twins' rows."""
    X = _read(inputs.store, layer)
    if inputs.valid_store is None:
        return X
    Xv = _read(inputs.valid_store, layer)[inputs.twin_rows]
    return np.concatenate([X, Xv], axis=0)


def _row(
    inputs: CheckpointInputs, kind: str, layer: LayerKey | None, target: str, values: dict[str, Any]
) -> dict[str, Any]:
    row = {
        "ckpt": inputs.alias, "fingerprint": inputs.store.manifest["checkpoint"]["fingerprint"],
        "dataset_fingerprint": inputs.store.manifest["dataset"]["fingerprint"],
        "kind": kind, "layer": layer, "target": target,
        **dict.fromkeys(("control_accuracy", "selectivity", "codelength_bits", "compression")),
        **values,
    }  # fmt: skip
    if target == "valid" and inputs.valid_store is not None:
        row["valid_dataset_fingerprint"] = inputs.valid_store.manifest["dataset"]["fingerprint"]
    return row


def _timed_probe_layer(*args: Any) -> tuple[dict[str, dict[str, Any]], float]:
    """:func:`probe_layer` and the CPU seconds it took in its worker (load-independent cost)."""
    start = time.process_time()
    out = probe_layer(*args)
    return out, time.process_time() - start


def _layer_rows(
    inputs: CheckpointInputs, tasks: dict, cfg: ProbeConfig, layers: list[LayerKey]
) -> list[dict]:
    """Probe and evol-transfer rows of every layer, computed in parallel over layers."""
    from joblib import Parallel, delayed
    from tqdm import tqdm

    spec, what = cfg.spec(), Measures(cfg.control, cfg.mdl, cfg.transfer)
    jobs = (delayed(_timed_probe_layer)(_matrix(inputs, layer), tasks, spec, what) for layer in layers)
    runner = Parallel(n_jobs=cfg.n_jobs, return_as="generator")
    bar = tqdm(total=len(layers), desc=f"probes {inputs.alias}", unit="layer", disable=not cfg.progress)
    rows: list[dict[str, Any]] = []
    for layer, (out, cpu) in zip(layers, runner(jobs), strict=True):
        inputs.cpu_seconds += cpu
        for target, res in out.items():
            rows.append(_row(inputs, "probe", layer, target, res["probe"]))
            if res["evol_transfer"] is not None:
                rows.append(_row(inputs, "evol_transfer", layer, target, res["evol_transfer"]))
        bar.update(1)
    bar.close()
    return rows


def _checkpoint_rows(alias: str, given: Store | None, cfg: ProbeConfig) -> tuple[list[dict], dict]:
    """All rows of one checkpoint, and what it skipped."""
    store = given or ensure_store(
        alias, split=cfg.split, span=cfg.span, pooling=cfg.pooling, layers=cfg.layers, progress=cfg.progress
    )
    layers = select_layers(cfg.layers, store.layers)
    targets = cfg.target_list
    valid_store = None
    if "valid" in targets:
        valid_store = ensure_store(
            alias, split=cfg.valid_split, span=store.manifest["span"], pooling=store.manifest["pooling"],
            layers=layers, progress=cfg.progress,
        )  # fmt: skip
    inputs = load_inputs(alias, store, valid_store)
    tasks, skipped = build_tasks(inputs, targets, cfg.folds)
    rows = _layer_rows(inputs, tasks, cfg, layers)
    if cfg.surface:
        counts = surface_counts(inputs)
        spec, what = cfg.spec(), Measures(cfg.control, cfg.mdl, transfer=False)
        surface, cpu = _timed_probe_layer(counts, tasks, spec, what)
        inputs.cpu_seconds += cpu
        for target, res in surface.items():
            values = {**res["probe"], "baseline": res["probe"]["chance"]}
            rows.append(_row(inputs, "surface", None, target, values))
            for r in rows:
                if r["target"] == target and r["kind"] != "surface":
                    r["baseline"] = res["probe"]["accuracy"]
    info = {"depth_skipped": skipped, "valid_bag_mismatch": inputs.bag_mismatch,
            "probe_cpu_seconds": round(inputs.cpu_seconds, 1)}  # fmt: skip
    return rows, info


def run(stores_or_aliases: StoresOrAliases, *, config: ProbeConfig | None = None) -> Result:
    """Linear probes per checkpoint × layer × target, beside control tasks, the surface baseline,
    online codelength and Symbol-Evol transfer.

    ``stores_or_aliases``: ``"base,ours"``, ``["base", "ours"]``, ``{alias: Store}`` (from
    :func:`analysis.extract`) or Stores of the analysis split. Returns a
    :class:`~symbolscope.results.Result` (``results/probes/<run-id>.json`` + ``.csv`` on
    ``save``) whose rows have :data:`ROW_KEYS` (+ ``macro_f1_ci``, ``control_accuracy_ci``,
    ``uniform_bits``, ``C``). Raises :class:`UserError` for bad input (one line each).
    """
    cfg = config or ProbeConfig()
    cfg.check()
    named = named_stores(stores_or_aliases)
    rows: list[dict[str, Any]] = []
    per_ckpt: dict[str, Any] = {}
    start = time.perf_counter()
    for alias, store in named:
        ck_rows, info = _checkpoint_rows(alias, store, cfg)
        rows.extend(ck_rows)
        per_ckpt[alias] = info
    settings = {**asdict(cfg), "Cs": list(cfg.Cs), "targets": list(cfg.target_list)}
    config_out = {**settings, "ckpts": [a for a, _ in named], "skipped": per_ckpt, "notes": NOTES,
                  "wall_seconds": round(time.perf_counter() - start, 1)}  # fmt: skip
    return Result(ANALYSIS, config_out, rows, columns=ROW_KEYS)
