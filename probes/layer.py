"""Everything probed on one matrix of vectors: each target's probe, control task, online
codelength and Symbol-Evol transfer, summarised into the numbers of one result row.

Pure functions on arrays (no files), run in parallel over layers by :mod:`probes.study`.
A target may consist of several :class:`~probes.targets.Task` s (``depth``: one per family);
their out-of-fold predictions are pooled (labels prefixed by the task name, so macro-F1 averages
over every family's bins) and their codelengths summed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from probes.fit import FoldPlan, ProbeSpec, cross_validate, interval, online_codelength, plan_folds
from probes.targets import Task, control_labels


@dataclass(frozen=True)
class Measures:
    """Which extras accompany each probe."""

    control: bool = True
    mdl: bool = True
    transfer: bool = True


def _probe(X: np.ndarray, task: Task, plan: FoldPlan, spec: ProbeSpec, what: Measures) -> dict[str, Any]:
    """One task's out-of-fold results on ``X`` [N, d] (rows ``task.rows``)."""
    Xt = X[task.rows]
    transfer = None
    if what.transfer and task.evol_dest is not None and task.evol_dest.any():
        transfer = (task.evol_source, task.evol_dest)
    yc = control_labels(task.y, task.surface_type, spec.seed) if what.control else None
    cv = cross_validate(Xt, task.y, task.groups, spec, plan=plan, transfer=transfer, control=yc)
    cpred = cv.pop("control_pred", None)
    out: dict[str, Any] = {"name": task.name, "y": task.y, **cv}
    if yc is not None:
        out["control_correct"] = cpred == yc
    if what.mdl:
        C = float(np.median(cv["Cs"]))
        out["bits"], out["uniform_bits"] = online_codelength(Xt, task.y, task.groups, C, spec, plan)
    return out


def plan_tasks(tasks: dict[str, list[Task]], spec: ProbeSpec) -> dict[str, list[FoldPlan]]:
    """Each task's :class:`~probes.fit.FoldPlan` (labels and groups only: made once, used per layer)."""
    return {target: [plan_folds(t.y, t.groups, spec) for t in parts] for target, parts in tasks.items()}


def _pooled_folds(parts: list[dict[str, Any]], key: str, folds: int) -> list[float]:
    """Per fold, the share of true values of ``key`` (a [n] bool array) over every task's test rows."""
    hits, tots = np.zeros(folds), np.zeros(folds)
    for p in parts:
        np.add.at(hits, p["fold_of"], p[key].astype(np.float64))
        np.add.at(tots, p["fold_of"], 1.0)
    return (hits / np.maximum(tots, 1)).tolist()


def summarise(parts: list[dict[str, Any]], spec: ProbeSpec) -> dict[str, Any]:
    """The row values of one target from its tasks' results (see :data:`probes.study.ROW_KEYS`)."""
    from sklearn.metrics import f1_score

    for p in parts:
        p["correct"] = p["pred"] == p["y"]
    y = np.concatenate([[f"{p['name']}:{v}" for v in p["y"]] for p in parts])
    pred = np.concatenate([[f"{p['name']}:{v}" for v in p["pred"]] for p in parts])
    fold_acc = _pooled_folds(parts, "correct", spec.folds)
    f1s = []
    for k in range(spec.folds):
        at = np.concatenate([p["fold_of"] == k for p in parts])
        f1s.append(float(f1_score(y[at], pred[at], average="macro")))
    _, counts = np.unique(y, return_counts=True)
    row: dict[str, Any] = {
        "accuracy": float((y == pred).mean()),
        "accuracy_ci": interval(fold_acc, spec.level),
        "macro_f1": float(np.mean(f1s)),
        "macro_f1_ci": interval(f1s, spec.level),
        "n": len(y),
        "n_classes": len(counts),
        "chance": float(sum(np.unique(p["y"], return_counts=True)[1].max() for p in parts) / len(y)),
        "C": [float(c) for p in parts for c in p["Cs"]],
    }
    if all("control_correct" in p for p in parts):
        row["control_accuracy"] = float(np.concatenate([p["control_correct"] for p in parts]).mean())
        row["control_accuracy_ci"] = interval(_pooled_folds(parts, "control_correct", spec.folds), spec.level)
        row["selectivity"] = row["accuracy"] - row["control_accuracy"]
    if all("bits" in p for p in parts):
        bits, uniform = sum(p["bits"] for p in parts), sum(p["uniform_bits"] for p in parts)
        row["codelength_bits"], row["uniform_bits"], row["compression"] = bits, uniform, uniform / bits
    return row


def transfer_summary(parts: list[dict[str, Any]], spec: ProbeSpec) -> dict[str, Any] | None:
    """Accuracy of originals-trained probes on the Symbol-Evol renamings (None if there are none)."""
    tested = [(p, p["transfer_pred"] != None) for p in parts if "transfer_pred" in p]  # noqa: E711
    tested = [(p, m) for p, m in tested if m.any()]
    if not tested:
        return None
    correct = np.concatenate([p["transfer_pred"][m] == p["y"][m] for p, m in tested])
    hits, tots = np.zeros(spec.folds), np.zeros(spec.folds)
    for p, m in tested:
        np.add.at(hits, p["fold_of"][m], (p["transfer_pred"][m] == p["y"][m]).astype(np.float64))
        np.add.at(tots, p["fold_of"][m], 1.0)
    folds = (hits[tots > 0] / tots[tots > 0]).tolist()
    return {"accuracy": float(correct.mean()), "accuracy_ci": interval(folds, spec.level), "n": len(correct)}


def probe_layer(
    X: np.ndarray,
    tasks: dict[str, list[Task]],
    spec: ProbeSpec,
    what: Measures,
    plans: dict[str, list[FoldPlan]] | None = None,
) -> dict[str, dict[str, Any]]:
    """``{target: {"probe": row values, "evol_transfer": row values or None}}`` for vectors ``X``
    [N, d] (each task indexes its rows of ``X``). ``plans``: from :func:`plan_tasks` (made here
    when None). BLAS runs single-threaded here: parallelism is over layers, and many threads on
    tiny matrices of a busy machine slow each fit ~15x."""
    from threadpoolctl import threadpool_limits

    plans = plans or plan_tasks(tasks, spec)
    out: dict[str, dict[str, Any]] = {}
    with threadpool_limits(limits=1):
        for target, parts in tasks.items():
            results = [_probe(X, t, p, spec, what) for t, p in zip(parts, plans[target], strict=True)]
            out[target] = {
                "probe": summarise(results, spec),
                "evol_transfer": transfer_summary(results, spec),
            }
    return out


def timed(fn: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """``fn(*args)`` and the CPU seconds it took in its worker (a load-independent cost)."""
    start = time.process_time()
    out = fn(*args)
    return out, time.process_time() - start
