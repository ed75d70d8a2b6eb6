"""The probe itself, on arrays: grouped stratified k-fold logistic regression, online codelength.

A probe is: standardise (fit on the training fold) → PCA to ``pca`` components (fit on the
training fold; ``None`` keeps every dimension) → logistic regression (L-BFGS, :mod:`probes.linear`)
whose
inverse regularisation ``C`` is chosen by an inner grouped stratified CV on the training fold
(the inner folds reuse the outer fold's scaler and PCA). Folds come from
:class:`sklearn.model_selection.StratifiedGroupKFold`, so rows sharing a group (a sample, its
Symbol-Evol renaming, its corrupted twin) are never on both sides.

Everything that depends only on labels and groups (outer folds, each fold's inner folds, the
online code's row order and blocks) is a :class:`FoldPlan`, made once per task and reused for
every layer; the control task is fitted on the probe's own folds, featuriser and C (Hewitt &
Liang 2019 compare probe and control on the same data splits).
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from probes.linear import Logistic
from symbolscope.errors import UserError

Split = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class ProbeSpec:
    """How every probe is fitted: outer/inner folds, the C grid, PCA width, seed, CI level."""

    folds: int = 5
    inner_folds: int = 2
    Cs: tuple[float, ...] = (0.1, 1.0, 10.0)
    pca: int | None = None
    seed: int = 0
    max_iter: int = 300
    level: float = 0.95
    mdl_fractions: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.7, 1.0)
    mdl_eps: float = 1e-3


def check_labels(y: np.ndarray, folds: int, what: str) -> None:
    """Refuse a target with a single class or a class with fewer samples than ``folds``."""
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        only = classes[0] if len(classes) else "nothing"
        raise UserError(f"{what}: a single class ({only!r}); a probe needs at least two")
    small = [(c, n) for c, n in zip(classes.tolist(), counts.tolist(), strict=True) if n < folds]
    if small:
        c, n = small[0]
        raise UserError(
            f"{what}: class {c!r} has {n} samples, fewer than --folds {folds}; lower --folds or drop that class"
        )


def fold_splits(y: np.ndarray, groups: np.ndarray, folds: int, seed: int) -> list[Split]:
    """``folds`` (train, test) index arrays, stratified by ``y`` [n], grouped by ``groups`` [n]."""
    from sklearn.model_selection import StratifiedGroupKFold

    n_groups = len(np.unique(groups))
    if n_groups < folds:
        raise UserError(f"only {n_groups} independent samples for --folds {folds}")
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class" (checked by us)
        return [(tr, te) for tr, te in cv.split(np.zeros(len(y)), y, groups)]


class Featuriser:
    """Standardise then PCA, fitted on training rows: ``transform(X [n, d]) -> [n, k]``.

    The top ``pca`` principal axes come from a partial symmetric eigendecomposition of the
    smaller of the two Gram matrices (``ZᵀZ`` [d, d] or ``ZZᵀ`` [n, n]): exact, and several times
    faster than a full SVD when only 32 of 576 axes are kept."""

    def __init__(self, X: np.ndarray, pca: int | None):
        X = np.asarray(X, dtype=np.float64)
        self.mean = X.mean(0)
        sd = X.std(0)
        self.scale = np.where(sd > 1e-12, sd, 1.0)
        Z = (X - self.mean) / self.scale
        self.components: np.ndarray | None = None
        if pca is not None and pca < min(Z.shape):
            self.components = _top_axes(Z, pca)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``[n, d]`` → ``[n, k]`` (k = PCA width, or d)."""
        Z = (np.asarray(X, dtype=np.float64) - self.mean) / self.scale
        return Z if self.components is None else Z @ self.components


def _top_axes(Z: np.ndarray, k: int) -> np.ndarray:
    """``[d, k]``: the ``k`` leading right singular vectors of ``Z`` [n, d] (largest first)."""
    from scipy.linalg import eigh

    n, d = Z.shape
    if d <= n:
        _, v = eigh(Z.T @ Z, subset_by_index=[d - k, d - 1])
        return v[:, ::-1]
    w, u = eigh(Z @ Z.T, subset_by_index=[n - k, n - 1])
    v = Z.T @ u[:, ::-1]
    return v / np.maximum(np.sqrt(np.maximum(w[::-1], 0.0)), 1e-12)


@dataclass(frozen=True)
class FoldPlan:
    """Every split of one task that does not depend on the vectors (made once, reused per layer).

    ``outer``: ``folds`` (train, test) index arrays; ``inner[k]``: the inner (train, test)
    positions *within* ``outer[k]``'s training rows that choose C; ``order`` [n]: the online
    code's row order (a seeded shuffle of groups, members adjacent); ``cuts``: its block ends."""

    outer: list[Split]
    inner: list[list[Split]]
    order: np.ndarray
    cuts: list[int]


def plan_folds(y: np.ndarray, groups: np.ndarray, spec: ProbeSpec) -> FoldPlan:
    """The :class:`FoldPlan` of labels ``y`` [n] with ``groups`` [n]."""
    outer = fold_splits(y, groups, spec.folds, spec.seed)
    inner = [_inner_splits(y[tr], groups[tr], spec) for tr, _ in outer]
    order, cuts = _online_blocks(y, groups, spec)
    return FoldPlan(outer, inner, order, cuts)


def _inner_splits(y: np.ndarray, groups: np.ndarray, spec: ProbeSpec) -> list[Split]:
    """Inner grouped stratified folds of one training fold (none when fewer than 2 fit)."""
    if len(spec.Cs) == 1:
        return []
    k = min(spec.inner_folds, int(np.unique(y, return_counts=True)[1].min()), len(np.unique(groups)))
    return fold_splits(y, groups, k, spec.seed + 1) if k >= 2 else []


def fit_lr(Z: np.ndarray, y: np.ndarray, C: float, spec: ProbeSpec, warm: Logistic | None = None) -> Logistic:
    """A logistic regression fitted on features ``Z`` [n, k] and labels ``y`` [n]."""
    return Logistic(C, max_iter=spec.max_iter, tol=1e-3).fit(Z, y, warm=warm)


def _path_scores(
    Ztr: np.ndarray, ytr: np.ndarray, Zte: np.ndarray, yte: np.ndarray, spec: ProbeSpec
) -> tuple[np.ndarray, list[Logistic]]:
    """Held-out accuracy for each C of ``spec.Cs`` and the model fitted at each C (ascending C,
    each fit warm-started from the last)."""
    scores, models, model = np.zeros(len(spec.Cs)), [Logistic()] * len(spec.Cs), None
    for j in np.argsort(spec.Cs):
        model = models[j] = fit_lr(Ztr, ytr, spec.Cs[j], spec, warm=model)
        scores[j] = float((model.predict(Zte) == yte).mean())
    return scores, models


def choose_C(
    Z: np.ndarray, y: np.ndarray, inner: list[Split], spec: ProbeSpec
) -> tuple[float, Logistic | None]:
    """The C of ``spec.Cs`` with the best inner-CV accuracy on ``Z`` [n, k] over the ``inner``
    splits (ties: smaller C; no inner splits: the median C), and an inner model fitted at that C
    (a warm start for the fit on every row; None without inner splits). Each inner fold fits the
    C grid as a warm-started regularisation path (ascending C)."""
    if len(spec.Cs) == 1 or not inner:
        return (spec.Cs[0] if len(spec.Cs) == 1 else float(np.median(spec.Cs))), None
    scores, models = np.zeros(len(spec.Cs)), []
    for tr, te in inner:
        got, models = _path_scores(Z[tr], y[tr], Z[te], y[te], spec)
        scores += got
    best = min(np.flatnonzero(scores == scores.max()), key=lambda j: spec.Cs[j])
    return float(spec.Cs[best]), models[best]


def interval(values: list[float], level: float) -> list[float]:
    """Student-t interval of the mean across folds, ``[lo, hi]``."""
    from scipy.stats import t

    v = np.asarray(values, dtype=np.float64)
    if len(v) < 2:
        return [float(v.mean()), float(v.mean())]
    half = float(t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return [float(v.mean() - half), float(v.mean() + half)]


def _fit_predict(Ztr: np.ndarray, ytr: np.ndarray, Zte: np.ndarray, C: float, spec: ProbeSpec) -> np.ndarray:
    """Predictions for ``Zte`` [m, k] of a probe fitted on ``Ztr`` [n, k] (one class: that class)."""
    if len(np.unique(ytr)) < 2:
        return np.full(len(Zte), ytr[0], dtype=ytr.dtype)
    return fit_lr(Ztr, ytr, C, spec).predict(Zte)


def cross_validate(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    spec: ProbeSpec,
    plan: FoldPlan | None = None,
    transfer: tuple[np.ndarray, np.ndarray] | None = None,
    control: np.ndarray | None = None,
) -> dict[str, Any]:
    """Out-of-fold probe scores of ``X`` [n, d] for labels ``y`` [n] with groups [n].

    Returns ``pred`` [n] (out-of-fold predictions), ``fold_of`` [n] (each row's test fold),
    ``fold_acc``/``fold_f1`` per fold and ``Cs`` chosen per fold. ``plan``: the task's
    :class:`FoldPlan` (made here when None). With ``control`` [n] (control labels) also
    ``control_pred`` [n]: the same folds, featuriser and C fitted to the control labels. With
    ``transfer = (train_mask [n], test_mask [n])`` also ``transfer_pred`` [n] (None where not
    tested): per fold, a probe trained on the training rows in ``train_mask`` predicts the test
    rows in ``test_mask`` (originals → Symbol-Evol renamings).
    """
    from sklearn.metrics import f1_score

    plan = plan or plan_folds(y, groups, spec)
    pred, fold_of = np.empty_like(y), np.zeros(len(y), dtype=np.int64)
    cpred = np.empty_like(control) if control is not None else None
    tpred = np.full(len(y), None, dtype=object) if transfer is not None else None
    fold_acc, fold_f1, Cs = [], [], []
    for k, (tr, te) in enumerate(plan.outer):
        fold_of[te] = k
        feat = Featuriser(X[tr], spec.pca)
        Ztr, Zte = feat.transform(X[tr]), feat.transform(X[te])
        C, start = choose_C(Ztr, y[tr], plan.inner[k], spec)
        model = fit_lr(Ztr, y[tr], C, spec, warm=start)  # convex: the start changes the path, not the optimum
        pred[te] = model.predict(Zte)
        fold_acc.append(float((pred[te] == y[te]).mean()))
        fold_f1.append(float(f1_score(y[te], pred[te], average="macro")))
        Cs.append(C)
        if control is not None and cpred is not None:
            cpred[te] = _fit_predict(Ztr, control[tr], Zte, C, spec)
        if transfer is not None and tpred is not None:
            src, dst = transfer[0][tr], te[transfer[1][te]]
            if len(dst) and len(np.unique(y[tr][src])) > 1:
                tpred[dst] = fit_lr(Ztr[src], y[tr][src], C, spec, warm=model).predict(feat.transform(X[dst]))
    out: dict[str, Any] = {
        "pred": pred,
        "fold_of": fold_of,
        "fold_acc": fold_acc,
        "fold_f1": fold_f1,
        "Cs": Cs,
    }
    if cpred is not None:
        out["control_pred"] = cpred
    if tpred is not None:
        out["transfer_pred"] = tpred
    return out


def _online_blocks(y: np.ndarray, groups: np.ndarray, spec: ProbeSpec) -> tuple[np.ndarray, list[int]]:
    """The online code's row order [n] (a seeded shuffle of groups, members adjacent) and its
    block ends at ``spec.mdl_fractions`` of the rows, snapped to group ends."""
    n = len(y)
    rng = np.random.default_rng(spec.seed)
    uniq = np.unique(groups)
    order_groups = uniq[rng.permutation(len(uniq))]
    rank = {g: i for i, g in enumerate(order_groups.tolist())}
    order = np.array(sorted(range(n), key=lambda i: (rank[groups[i]], i)), dtype=np.int64)
    gs = groups[order]
    ends = np.flatnonzero(np.r_[gs[1:] != gs[:-1], True]) + 1  # group ends (exclusive)
    cuts = sorted({int(ends[np.searchsorted(ends, max(1, round(f * n)))]) for f in spec.mdl_fractions[:-1]})
    return order, [c for c in cuts if c < n] + [n]


def online_codelength(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray, C: float, spec: ProbeSpec, plan: FoldPlan | None = None
) -> tuple[float, float]:
    """``(online codelength, uniform codelength)`` in bits (Voita & Titov 2020).

    Rows are ordered by a seeded shuffle of groups (members of a group adjacent; block edges
    snapped to group ends; ``plan`` carries both). The first block costs ``n_1 log2 K``; each
    later block is coded with a probe trained on every earlier row, with probabilities mixed
    ``(1 - eps) p + eps / K`` so that a class not seen yet costs a finite amount. ``X`` [n, d],
    ``y`` [n], ``groups`` [n].
    """
    classes = np.unique(y)
    K, n = len(classes), len(y)
    order, cuts = (plan.order, plan.cuts) if plan is not None else _online_blocks(y, groups, spec)
    ys = y[order]
    bits = cuts[0] * math.log2(K)
    cls_index = {c: i for i, c in enumerate(classes.tolist())}
    for start, stop in itertools.pairwise(cuts):
        tr, te = order[:start], order[start:stop]
        probs = np.full((len(te), K), 1.0 / K)
        if len(np.unique(ys[:start])) > 1:
            feat = Featuriser(X[tr], spec.pca)
            model = fit_lr(feat.transform(X[tr]), ys[:start], C, spec)
            p = model.predict_proba(feat.transform(X[te]))
            probs = np.zeros((len(te), K))
            probs[:, [cls_index[c] for c in model.classes_.tolist()]] = p
        probs = (1 - spec.mdl_eps) * probs + spec.mdl_eps / K
        true = np.array([cls_index[c] for c in ys[start:stop].tolist()])
        bits += float(-np.log2(probs[np.arange(len(te)), true]).sum())
    return bits, n * math.log2(K)
