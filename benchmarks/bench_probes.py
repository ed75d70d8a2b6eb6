"""Benchmark: the probes' per-layer engine vs a plain loop over layers with ``LogisticRegressionCV``.

Run from the repo root: ``.venv/bin/python benchmarks/bench_probes.py [--ckpt base] [--layers 8]
[--repeats 3]``. It reads the checkpoint's stored analysis split (extracting it first if missing),
takes ``--layers`` evenly spaced layers and every target (``family``, ``task``, ``depth`` per family,
``valid`` with the corrupted twins), and measures the same work both ways: per layer and target,
5 grouped stratified outer folds (Symbol-Evol twins together), C chosen by an inner CV from the
same grid, and the control task.

- baseline ("plain loop"): for each layer in turn, ``StandardScaler`` + ``LogisticRegressionCV``
  (lbfgs, default threading) on the full vectors, 3-fold grouped inner CV, for the probe and
  again for the control task;
- ours: :func:`probes.layer.probe_layer` over layers with joblib (2 workers, BLAS single-threaded),
  folds planned once per task for every layer, standardise + PCA-32 per fold (partial eigh),
  2-fold inner CV with the C grid as a warm-started path, the control probe on the same fold,
  features and C.

Times are medians of ``--repeats`` runs of each, alternated in one process; both accuracies are
printed so that the speed-up is not bought with a worse probe. The last line is the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from typing import Any

import numpy as np

from analysis.extract import ensure_store
from probes.config import Config
from probes.fit import fold_splits
from probes.inputs import build_tasks, layer_matrix, load_inputs
from probes.layer import Measures, plan_tasks, probe_layer
from probes.targets import control_labels


def baseline_layer(X: np.ndarray, tasks: dict[str, list[Any]], cfg: Config) -> dict[str, float]:
    """Accuracy per target with the plain recipe (control computed, not returned)."""
    out = {}
    for target, parts in tasks.items():
        hits = {"probe": 0, "control": 0}
        for task in parts:
            _baseline_task(X[task.rows], task, cfg, hits)
        out[target] = hits["probe"] / sum(len(t.y) for t in parts)
    return out


def _baseline_task(Xt: np.ndarray, task: Any, cfg: Config, hits: dict[str, int]) -> None:
    """Correct out-of-fold predictions of one task's probe and control, added to ``hits``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    for kind, labels in (("probe", task.y), ("control", control_labels(task.y, task.surface_type, cfg.seed))):
        if len(np.unique(labels)) < 2 or np.unique(labels, return_counts=True)[1].min() < cfg.folds:
            continue  # a control draw too unbalanced for 5 stratified folds
        for tr, te in fold_splits(labels, task.groups, cfg.folds, cfg.seed):
            inner = StratifiedGroupKFold(3, shuffle=True, random_state=cfg.seed + 1)
            splits = list(inner.split(Xt[tr], labels[tr], task.groups[tr]))
            model = make_pipeline(
                StandardScaler(), LogisticRegressionCV(Cs=list(cfg.Cs), cv=splits, tol=1e-3)
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", (ConvergenceWarning, UserWarning, FutureWarning))
                model.fit(Xt[tr], labels[tr])
            hits[kind] += int((model.predict(Xt[te]) == labels[te]).sum())


def main() -> None:
    from joblib import Parallel, delayed

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpt", default="base")
    p.add_argument("--layers", type=int, default=8, help="how many evenly spaced layers")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    cfg = Config(targets="all", progress=False)
    store = ensure_store(args.ckpt, split="analysis", layers="all")
    valid = ensure_store(args.ckpt, split=cfg.valid_split, layers="all")
    ints = [k for k in store.layers if isinstance(k, int)]
    layers = [ints[i] for i in np.linspace(0, len(ints) - 1, args.layers).round().astype(int)]
    inputs = load_inputs(args.ckpt, store, valid)
    tasks, _ = build_tasks(inputs, cfg.target_list, cfg.folds)
    mats = {layer: layer_matrix(inputs, layer) for layer in layers}
    what = Measures(control=True, mdl=False, transfer=False)
    times: dict[str, list[float]] = {"baseline": [], "ours": []}
    acc: dict[str, Any] = {}
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        acc["baseline"] = [baseline_layer(mats[k], tasks, cfg) for k in layers]
        times["baseline"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        plans = plan_tasks(tasks, cfg.spec())  # timed: part of our cost
        outs = Parallel(n_jobs=cfg.n_jobs)(
            delayed(probe_layer)(mats[k], tasks, cfg.spec(), what, plans) for k in layers
        )
        acc["ours"] = [{t: o[t]["probe"]["accuracy"] for t in o} for o in outs]
        times["ours"].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    targets = list(tasks)
    print(
        f"{'engine':<10} {'median s':>9} {'runs':>4}  mean accuracy over {len(layers)} layers: {' / '.join(targets)}"
    )
    for k in ("baseline", "ours"):
        accs = " / ".join(f"{np.mean([a[t] for a in acc[k]]):.3f}" for t in targets)
        runs = ", ".join(f"{t:.1f}" for t in times[k])
        print(f"{k:<10} {med[k]:>9.2f} {len(times[k]):>4}  {accs}   (runs: {runs})")
    print(
        f"probes: {med['baseline'] / med['ours']:.2f}x speed vs plain layer loop with LogisticRegressionCV "
        f"({args.ckpt}, {len(layers)} layers x every target with control, 5 grouped folds, n={len(store)}, d={store.dim})"
    )


if __name__ == "__main__":
    main()
