"""``probes.run(stores_or_aliases, config=Config(...)) -> Result``: the probing study.

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

from analysis.extract import ensure_store
from analysis.layers import LayerKey, select_layers
from analysis.store import Store, StoresOrAliases, named_stores
from probes.config import Config
from probes.inputs import (
    CheckpointInputs,
    build_tasks,
    check_finite,
    layer_matrix,
    load_inputs,
    surface_counts,
)
from probes.layer import Measures, plan_tasks, probe_layer, timed
from probes.symbol_study import symbol_checkpoint_rows
from probes.symbols import SYMBOL_NOTES
from symbolscope.cores import worker_count
from symbolscope.errors import get_logger
from symbolscope.results import Result

log = get_logger("probes")

ANALYSIS = "probes"  # results/probes/<run-id>.json
#: ``--unit symbol`` results go to their own folder, so that ``Result.latest(out, "probes")`` (the
#: ``probes`` figure) never picks a symbol run: results/symbol_probes/<run-id>.json
SYMBOL_ANALYSIS = "symbol_probes"
ROW_KEYS = (
    "ckpt",
    "fingerprint",
    "kind",
    "layer",
    "target",
    "accuracy",
    "accuracy_ci",
    "macro_f1",
    "control_accuracy",
    "selectivity",
    "codelength_bits",
    "compression",
    "n",
    "n_classes",
    "baseline",
    "chance",
)
#: Rows of ``--unit symbol`` (:mod:`probes.symbol_study`) add these.
SYMBOL_ROW_KEYS = (*ROW_KEYS, "unit", "held_out", "n_train", "n_test")
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
    "features": "vectors are standardised on the training fold (and reduced by PCA there when "
    "config.pca is set; default: every dimension) before the logistic regression; the inner CV "
    "that picks C reuses the outer fold's transform; the control task uses the probe's folds, "
    "transform and C",
}


def _notes(unit: str) -> dict[str, str]:
    """The notes a result of ``unit`` carries (the sample targets' notes stay out of symbol runs)."""
    if unit != "symbol":
        return NOTES
    return {**{k: NOTES[k] for k in ("baseline", "mdl", "features")}, **SYMBOL_NOTES}


def results_readme() -> str:
    """What ``results/probes/README.md`` says about the columns and how to read them."""
    lines = [
        "# results/probes (and results/symbol_probes)",
        "",
        "`<run-id>.json` (config + rows) and `.csv` (the same rows, flat), written by `python -m probes` "
        "(`--unit symbol`: in `symbol_probes/`).",
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
    lines += [
        "",
        "## `--unit symbol`",
        "",
        "One row per symbol occurrence instead of per sample (`unit` = symbol): kinds `probe` "
        "(targets `class`, `class_by_type`, `concept`), `concept_transfer` (per layer and "
        "`held_out` family; `held_out` empty = the mean), `surface` and `surface_transfer` "
        "(`layer` empty); `n_train`/`n_test` count the transfer's rows.",
        "",
    ]
    lines += [f"- **{k}**: {v}" for k, v in SYMBOL_NOTES.items()]
    return "\n".join(lines) + "\n"


def _row(
    inputs: CheckpointInputs, kind: str, layer: LayerKey | None, target: str, values: dict[str, Any]
) -> dict[str, Any]:
    row = {
        "ckpt": inputs.alias,
        "fingerprint": inputs.store.manifest["checkpoint"]["fingerprint"],
        "dataset_fingerprint": inputs.store.manifest["dataset"]["fingerprint"],
        "kind": kind,
        "layer": layer,
        "target": target,
        **dict.fromkeys(("control_accuracy", "selectivity", "codelength_bits", "compression")),
        **values,
    }
    if target == "valid" and inputs.valid_store is not None:
        row["valid_dataset_fingerprint"] = inputs.valid_store.manifest["dataset"]["fingerprint"]
    return row


def _probe_rows(
    inputs: CheckpointInputs, tasks: dict, plans: dict, cfg: Config, layers: list[LayerKey]
) -> list[dict]:
    """Probe and evol-transfer rows of every layer and the surface rows, computed in parallel
    (one job per layer; the surface baseline, the longest job, is submitted first)."""
    from joblib import Parallel, delayed
    from tqdm import tqdm

    spec = cfg.spec()
    keys: list[LayerKey | None] = ([None] if cfg.surface else []) + list(layers)

    def job(key: LayerKey | None) -> Any:
        if key is None:
            what = Measures(cfg.control, cfg.mdl, transfer=False)
            return delayed(timed)(probe_layer, surface_counts(inputs), tasks, spec, what, plans)
        what = Measures(cfg.control, cfg.mdl, cfg.transfer)
        return delayed(timed)(probe_layer, layer_matrix(inputs, key), tasks, spec, what, plans)

    check_finite(inputs, layers)  # a UserError raised while joblib dispatches races its executor
    runner = Parallel(n_jobs=min(worker_count(cfg.n_jobs, warn=False), len(keys)), return_as="generator")
    bar = tqdm(total=len(layers), desc=f"probes {inputs.alias}", unit="layer", disable=not cfg.progress)
    rows: list[dict[str, Any]] = []
    surface: dict[str, dict[str, Any]] = {}
    for key, (out, cpu) in zip(keys, runner(job(k) for k in keys), strict=True):
        inputs.cpu_seconds += cpu
        if key is None:
            surface = out
            continue
        for target, res in out.items():
            rows.append(_row(inputs, "probe", key, target, res["probe"]))
            if res["evol_transfer"] is not None:
                rows.append(_row(inputs, "evol_transfer", key, target, res["evol_transfer"]))
        bar.update(1)
    bar.close()
    for target, res in surface.items():
        for r in rows:
            if r["target"] == target:
                r["baseline"] = res["probe"]["accuracy"]
        rows.append(
            _row(inputs, "surface", None, target, {**res["probe"], "baseline": res["probe"]["chance"]})
        )
    return rows


def _checkpoint_rows(alias: str, given: Store | None, cfg: Config) -> tuple[list[dict], dict]:
    """All rows of one checkpoint, and what it skipped."""
    store = given or ensure_store(
        alias, split=cfg.split, span=cfg.span, pooling=cfg.pooling, layers=cfg.layers, progress=cfg.progress
    )
    layers = select_layers(cfg.layers, store.layers)
    targets = cfg.target_list
    valid_store = None
    if "valid" in targets:
        valid_store = ensure_store(
            alias,
            split=cfg.valid_split,
            span=store.manifest["span"],
            pooling=store.manifest["pooling"],
            layers=layers,
            progress=cfg.progress,
        )
    inputs = load_inputs(alias, store, valid_store)
    tasks, skipped = build_tasks(inputs, targets, cfg.folds)
    plans = plan_tasks(tasks, cfg.spec())  # folds depend on labels only: made once, used per layer
    rows = _probe_rows(inputs, tasks, plans, cfg, layers)
    info = {
        "depth_skipped": skipped,
        "valid_bag_mismatch": inputs.bag_mismatch,
        "probe_cpu_seconds": round(inputs.cpu_seconds, 1),
    }
    return rows, info


def run(stores_or_aliases: StoresOrAliases, *, config: Config | None = None) -> Result:
    """Linear probes per checkpoint × layer × target, beside control tasks, the surface baseline,
    online codelength and Symbol-Evol transfer; with ``config.unit = "symbol"`` on symbol
    occurrences instead (:mod:`probes.symbol_study`: class, concept and the concept transfer
    across families; a given :class:`~analysis.symbolstore.SymbolStore` is probed as is).

    ``stores_or_aliases``: ``"base,ours"``, ``["base", "ours"]``, ``{alias: Store}`` (from
    :func:`analysis.extract`) or Stores of the analysis split. Returns a
    :class:`~symbolscope.results.Result` (``results/probes/<run-id>.json`` + ``.csv`` on
    ``save``) whose rows have :data:`ROW_KEYS` (+ ``macro_f1_ci``, ``control_accuracy_ci``,
    ``uniform_bits``, ``C``); a symbol-unit result is ``results/symbol_probes/`` with
    :data:`SYMBOL_ROW_KEYS`. Raises :class:`UserError` for bad input (one line each).
    """
    cfg = config or Config()
    cfg.check()
    named = named_stores(stores_or_aliases)
    rows: list[dict[str, Any]] = []
    per_ckpt: dict[str, Any] = {}
    start = time.perf_counter()
    for alias, store in named:
        if cfg.unit == "symbol":
            ck_rows, info = symbol_checkpoint_rows(alias, store, cfg)
        else:
            ck_rows, info = _checkpoint_rows(alias, store, cfg)
        rows.extend(ck_rows)
        per_ckpt[alias] = info
    settings = {**asdict(cfg), "Cs": list(cfg.Cs), "targets": list(cfg.target_list)}
    from symbolcollection import registry  # the family order gives the figures' colours

    config_out = {
        **settings,
        "family_order": list(registry.names()),
        "ckpts": [a for a, _ in named],
        "skipped": per_ckpt,
        "notes": _notes(cfg.unit),
        "wall_seconds": round(time.perf_counter() - start, 1),
    }
    if cfg.unit == "symbol":
        return Result(SYMBOL_ANALYSIS, config_out, rows, columns=SYMBOL_ROW_KEYS)
    return Result(ANALYSIS, config_out, rows, columns=ROW_KEYS)
