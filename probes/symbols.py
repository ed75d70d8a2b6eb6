"""Probes on symbols: each symbol occurrence's class and concept, and concept transfer across
formalisms (leave one family out), on the rows of an :class:`~analysis.symbolstore.SymbolStore`.

Decisions (also in the result's ``config.notes``, :data:`SYMBOL_NOTES`):

- **Rows probed.** At most ``per_cell`` rows per (family, label) cell, a seeded draw made once
  and used at every layer (asp alone has about 30 % of all occurrences, identifiers and
  punctuation most of them; the cap keeps every family in the fit and the step affordable).
  Symbol-Evol variants stay in, grouped with their originals.
- **Folds grouped by sample** (:func:`probes.targets.group_ids`): the occurrences of one sample
  (and of its Symbol-Evol renaming) are never on both sides of a fold.
- ``class``: the symbol's class (keyword, operator, identifier, literal, punctuation).
  ``class_by_type``: the same rows and labels with folds grouped by the symbol's *text* (across
  families: ``=`` of sql and of python is one group): every test symbol's text is unseen in
  training, so the probe cannot memorise types (a ``class`` probe that only memorises types is
  what the surface baseline measures; here the surface can only use tokens shared by different
  texts). Its folds group texts, not samples.
- ``concept``: only rows with a concept, of concepts realised in >= 2 families and in >= ``folds``
  samples (others are skipped and listed: a one-family concept is a family probe).
- **Control task** (Hewitt & Liang 2019): each (family, symbol) type gets a label drawn at random
  from the target's labels (:func:`probes.targets.control_labels`), so the control labels are
  constant within a type; selectivity = accuracy - control accuracy, on the probe's own folds.
- **Surface baseline**: logistic regression on the counts of the symbol's own ``token_ids`` (its
  bag of tokens), over the :data:`SURFACE_VOCAB` most frequent ids of the probed rows plus one
  column counting the rest; standardised, never reduced by PCA.
- **Concept transfer** (:func:`concept_transfer`): for each family F with >= 2 concepts among the
  probed concept rows, train on the *other* families' rows of F's concepts only (a concept F
  lacks could only draw wrong answers), test on every probed row of F. Standardisation and PCA
  are fitted on the training rows; C is chosen by an inner CV grouped by family (the C that
  transfers across families). Chance is the majority-concept share of F's rows; the interval is
  Wilson's over F's rows (occurrences of one sample are not independent: it is optimistic).
  A mean row (``held_out`` None) averages accuracy and chance over the held-out families
  (unweighted; its interval is Student-t across families) and sums their ``n_test``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from analysis.metrics.proportion import wilson_interval
from analysis.symbolstore import SymbolTable
from probes.fit import Featuriser, ProbeSpec, check_labels, choose_C, fit_lr, fold_splits, interval
from probes.layer import Measures, probe_layer
from probes.targets import Task, group_ids
from symbolscope.errors import UserError

#: Token ids of the surface baseline's bag (the most frequent among the probed rows; the rest
#: share one column).
SURFACE_VOCAB = 1024
SYMBOL_NOTES = {
    "symbol rows": "at most config.per_cell occurrences per (family, label) cell, a seeded draw made "
    "once for every layer; Symbol-Evol variants kept and grouped with their originals",
    "symbol folds": "grouped by sample: one sample's occurrences never straddle train and test; "
    "class_by_type groups them by symbol text (over families) instead, so every test text is unseen",
    "symbol concept": "rows with a concept, of concepts realised in >= 2 families and >= --folds samples",
    "symbol control": "Hewitt & Liang 2019: each (family, symbol) type gets a random label drawn from "
    "the target's labels; selectivity = accuracy - control_accuracy",
    "symbol surface": f"logistic regression on the counts of the symbol's own token ids (the "
    f"{SURFACE_VOCAB} most frequent ids of the probed rows, the rest in one column), no PCA",
    "concept_transfer": "leave one family out: trained on the other families' rows of the held-out "
    "family's concepts only, tested on the held-out family's rows; C by an inner CV grouped by "
    "family; chance = majority-concept share of the held-out rows; accuracy_ci = Wilson over "
    "those rows (optimistic: a sample's occurrences are not independent); held_out empty = the "
    "unweighted mean over held-out families (Student-t interval across them, n_test summed); "
    "baseline = the surface's transfer",
}


def capped_rows(keys: Sequence[Hashable], cap: int, seed: int) -> np.ndarray:
    """Sorted indices of ``keys`` keeping at most ``cap`` rows per distinct key (a seeded draw)."""
    rng = np.random.default_rng(seed)
    by_key: dict[Hashable, list[int]] = {}
    for i, k in enumerate(keys):
        by_key.setdefault(k, []).append(i)
    keep: list[int] = []
    for k in sorted(by_key, key=str):
        idx = by_key[k]
        keep += idx if len(idx) <= cap else rng.choice(idx, size=cap, replace=False).tolist()
    return np.array(sorted(keep), dtype=np.int64)


def symbol_types(table: SymbolTable) -> np.ndarray:
    """``[n]`` each occurrence's type, ``"family:symbol"`` (the control task's surface type)."""
    return np.array([f"{f}:{s}" for f, s in zip(table.family, table.symbol, strict=True)], dtype=object)


@dataclass(frozen=True)
class TransferTask:
    """The concept rows the transfer reads: ``rows`` [m] of the matrix, ``y`` and ``family`` [m]."""

    rows: np.ndarray
    y: np.ndarray
    family: np.ndarray


def _concept_rows(
    table: SymbolTable, groups: np.ndarray, folds: int, per_cell: int, seed: int
) -> tuple[np.ndarray, dict[str, str]]:
    """Rows of the concept target (capped) and the concepts skipped, ``{concept: why}``."""
    fams: dict[str, set[str]] = {}
    samples: dict[str, set[str]] = {}
    for c, f, g in zip(table.concept, table.family, groups.tolist(), strict=True):
        if c is not None:
            fams.setdefault(c, set()).add(f)
            samples.setdefault(c, set()).add(g)
    skipped = {c: f"realised in one family only ({next(iter(f))})" for c, f in fams.items() if len(f) < 2}
    skipped |= {
        c: f"in {len(s)} samples, fewer than --folds {folds}"
        for c, s in samples.items()
        if len(s) < folds and c not in skipped
    }
    have = [i for i, c in enumerate(table.concept) if c is not None and c not in skipped]
    cells = [(table.family[i], table.concept[i]) for i in have]
    rows = np.array(have, dtype=np.int64)[capped_rows(cells, per_cell, seed)]
    if len({table.concept[i] for i in rows.tolist()}) < 2:
        why = "; ".join(f"{c}: {w}" for c, w in sorted(skipped.items())) or "no symbol has a concept"
        raise UserError(f"target concept: fewer than two concepts can be probed ({why})")
    return rows, dict(sorted(skipped.items()))


def symbol_tasks(
    table: SymbolTable, targets: Sequence[str], folds: int, per_cell: int, seed: int
) -> tuple[dict[str, list[Task]], TransferTask | None, dict[str, Any]]:
    """``{target: [Task]}`` (``class`` also gives ``class_by_type``), the concept transfer's rows
    (None without ``concept``) and what was skipped or kept (``class_rows``, ``concept_rows``,
    ``concepts_skipped`` and ``transfer_skipped``: ``{name: why}``)."""
    groups = group_ids(table.sample_id, table.evol_of)
    types = symbol_types(table)
    tasks: dict[str, list[Task]] = {}
    transfer, info = None, {}
    if "class" in targets:
        rows = capped_rows(list(zip(table.family, table.cls, strict=True)), per_cell, seed)
        y = np.array(table.cls, dtype=object)[rows]
        check_labels(y, folds, "target class (symbol unit)")
        tasks["class"] = [Task(rows, y, groups[rows], types[rows], name="class")]
        text = np.array(table.symbol, dtype=object)[rows]  # one text, one group, in every family
        tasks["class_by_type"] = [Task(rows, y, text, types[rows], name="class_by_type")]
        info["class_rows"] = len(rows)
    if "concept" in targets:
        rows, info["concepts_skipped"] = _concept_rows(table, groups, folds, per_cell, seed)
        y = np.array(table.concept, dtype=object)[rows]
        check_labels(y, folds, "target concept (symbol unit)")
        tasks["concept"] = [Task(rows, y, groups[rows], types[rows], name="concept")]
        transfer = TransferTask(rows, y, np.array(table.family, dtype=object)[rows])
        info["concept_rows"] = len(rows)
        have = {
            f: {c for c, g in zip(y, transfer.family, strict=True) if g == f} for f in set(transfer.family)
        }
        info["transfer_skipped"] = {
            f: f"{len(cs)} concept ({next(iter(cs))}); a held-out family needs two"
            for f, cs in sorted(have.items())
            if len(cs) < 2
        }
    return tasks, transfer, info


def surface_counts(table: SymbolTable, rows: np.ndarray, vocab: int = SURFACE_VOCAB) -> np.ndarray:
    """``[len(table), k + 1]`` float32 counts of each row's own token ids over the ``k <= vocab``
    most frequent ids among ``rows`` (last column: the other ids); rows outside ``rows`` are 0."""
    freq = Counter(t for i in rows.tolist() for t in table.token_ids[i])
    top = {t: j for j, (t, _) in enumerate(sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:vocab])}
    X = np.zeros((len(table), len(top) + 1), dtype=np.float32)
    for i in rows.tolist():
        for t in table.token_ids[i]:
            X[i, top.get(t, len(top))] += 1.0
    return X


def _held_out(X: np.ndarray, task: TransferTask, family: str, spec: ProbeSpec) -> dict[str, Any] | None:
    """One held-out family's transfer result (None when it or the others lack two of its concepts)."""
    test = task.family == family
    mine = set(task.y[test].tolist())
    train = ~test & np.array([c in mine for c in task.y.tolist()], dtype=bool)
    ytr, fam_tr = task.y[train], task.family[train]
    if len(mine) < 2 or len(set(ytr.tolist())) < 2:
        return None
    feat = Featuriser(X[train], spec.pca)
    Ztr = feat.transform(X[train])
    k = min(spec.inner_folds, len(set(fam_tr.tolist())))
    inner = fold_splits(ytr, fam_tr, k, spec.seed + 1) if k >= 2 and len(spec.Cs) > 1 else []
    C, start = choose_C(Ztr, ytr, inner, spec)
    pred = fit_lr(Ztr, ytr, C, spec, warm=start).predict(feat.transform(X[test]))
    hits, n = int((pred == task.y[test]).sum()), int(test.sum())
    _, counts = np.unique(task.y[test], return_counts=True)
    return {
        "held_out": family,
        "accuracy": hits / n,
        "accuracy_ci": list(wilson_interval(hits, n, spec.level)),
        "chance": float(counts.max() / n),
        "n": n,
        "n_test": n,
        "n_train": int(train.sum()),
        "n_classes": len(mine),
        "C": [C],
    }


def concept_transfer(X: np.ndarray, task: TransferTask, spec: ProbeSpec) -> list[dict[str, Any]]:
    """Leave-one-family-out concept transfer on vectors ``X`` [N, d] (``task.rows`` index it):
    one result per held-out family with >= 2 concepts the others share, then the mean row
    (``held_out`` None; nothing when no family could be held out)."""
    Xt = X[task.rows]
    out = [r for f in sorted(set(task.family.tolist())) if (r := _held_out(Xt, task, f, spec)) is not None]
    if out:
        out.append(
            {
                "held_out": None,
                "accuracy": float(np.mean([r["accuracy"] for r in out])),
                "accuracy_ci": interval([r["accuracy"] for r in out], spec.level),
                "chance": float(np.mean([r["chance"] for r in out])),
                "n": sum(r["n_test"] for r in out),
                "n_test": sum(r["n_test"] for r in out),
                "n_train": None,
                "n_classes": len(set(task.y.tolist())),
            }
        )
    return out


def symbol_layer(
    X: np.ndarray,
    tasks: dict[str, list[Task]],
    transfer: TransferTask | None,
    spec: ProbeSpec,
    what: Measures,
    plans: dict | None = None,
) -> dict[str, Any]:
    """Everything probed on one matrix ``X`` [N, d] of symbol vectors: ``{"probes": {target:
    {"probe": row values}}, "transfer": [held-out rows]}`` (transfer empty unless asked for)."""
    from threadpoolctl import threadpool_limits

    probes = probe_layer(X, tasks, spec, replace(what, transfer=False), plans)
    rows: list[dict[str, Any]] = []
    if transfer is not None and what.transfer:
        with threadpool_limits(limits=1):
            rows = concept_transfer(X, transfer, spec)
    return {"probes": probes, "transfer": rows}
