"""The probe itself, on arrays: grouped stratified k-fold logistic regression, online codelength.

A probe is: standardise (fit on the training fold) → PCA to ``pca`` components (fit on the
training fold; ``None`` keeps every dimension) → multinomial logistic regression (lbfgs) whose
inverse regularisation ``C`` is chosen by an inner grouped stratified CV on the training fold
(the inner folds reuse the outer fold's scaler and PCA). Folds come from
:class:`sklearn.model_selection.StratifiedGroupKFold`, so rows sharing a group (a sample, its
Symbol-Evol renaming, its corrupted twin) are never on both sides.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from symbolscope.errors import UserError

Split = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class ProbeSpec:
    """How every probe is fitted: outer/inner folds, the C grid, PCA width, seed, CI level."""

    folds: int = 5
    inner_folds: int = 2
    Cs: tuple[float, ...] = (0.1, 1.0, 10.0)
    pca: int | None = 32
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
    """Standardise then PCA, fitted on training rows: ``transform(X [n, d]) -> [n, k]``."""

    def __init__(self, X: np.ndarray, pca: int | None):
        X = np.asarray(X, dtype=np.float64)
        self.mean = X.mean(0)
        sd = X.std(0)
        self.scale = np.where(sd > 1e-12, sd, 1.0)
        Z = (X - self.mean) / self.scale
        self.components: np.ndarray | None = None
        if pca is not None and pca < min(Z.shape):
            _, _, vt = np.linalg.svd(Z, full_matrices=False)
            self.components = vt[:pca].T  # [d, k]

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``[n, d]`` → ``[n, k]`` (k = PCA width, or d)."""
        Z = (np.asarray(X, dtype=np.float64) - self.mean) / self.scale
        return Z if self.components is None else Z @ self.components


def _model(C: float, spec: ProbeSpec, warm: bool = False) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=spec.max_iter, tol=1e-3, warm_start=warm)


def fit_lr(Z: np.ndarray, y: np.ndarray, C: float, spec: ProbeSpec) -> Any:
    """A fitted logistic regression on features ``Z`` [n, k] (convergence warnings silenced)."""
    from sklearn.exceptions import ConvergenceWarning

    model = _model(C, spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(Z, y)
    return model


def _path_scores(
    Ztr: np.ndarray, ytr: np.ndarray, Zte: np.ndarray, yte: np.ndarray, spec: ProbeSpec
) -> np.ndarray:
    """Held-out accuracy for each C of ``spec.Cs`` (ascending, each fit warm-started from the last)."""
    from sklearn.exceptions import ConvergenceWarning

    model, scores = _model(spec.Cs[0], spec, warm=True), np.zeros(len(spec.Cs))
    order = np.argsort(spec.Cs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for j in order:
            model.set_params(C=spec.Cs[j]).fit(Ztr, ytr)
            scores[j] = float((model.predict(Zte) == yte).mean())
    return scores


def choose_C(Z: np.ndarray, y: np.ndarray, groups: np.ndarray, spec: ProbeSpec) -> float:
    """The C of ``spec.Cs`` with the best inner grouped-CV accuracy on ``Z`` [n, k] (ties: smaller C).

    Each inner fold fits the C grid as a warm-started regularisation path (ascending C)."""
    if len(spec.Cs) == 1:
        return spec.Cs[0]
    k = min(spec.inner_folds, int(np.unique(y, return_counts=True)[1].min()), len(np.unique(groups)))
    if k < 2:
        return float(np.median(spec.Cs))
    scores = np.zeros(len(spec.Cs))
    for tr, te in fold_splits(y, groups, k, spec.seed + 1):
        scores += _path_scores(Z[tr], y[tr], Z[te], y[te], spec)
    best = np.flatnonzero(scores == scores.max())
    return float(min(spec.Cs[j] for j in best))


def interval(values: list[float], level: float) -> list[float]:
    """Student-t interval of the mean across folds, ``[lo, hi]``."""
    from scipy.stats import t

    v = np.asarray(values, dtype=np.float64)
    if len(v) < 2:
        return [float(v.mean()), float(v.mean())]
    half = float(t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return [float(v.mean() - half), float(v.mean() + half)]


def cross_validate(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    spec: ProbeSpec,
    transfer: tuple[np.ndarray, np.ndarray] | None = None,
    fixed_Cs: list[float] | None = None,
) -> dict[str, Any]:
    """Out-of-fold probe scores of ``X`` [n, d] for labels ``y`` [n] with groups [n].

    Returns ``pred`` [n] (out-of-fold predictions), ``fold_of`` [n] (each row's test fold), ``fold_acc``/``fold_f1`` per fold, ``Cs``
    chosen per fold, and with ``transfer = (train_mask [n], test_mask [n])`` also
    ``transfer_pred`` [n] (-1 where not tested): per fold, a probe trained on the training rows
    in ``train_mask`` predicts the test rows in ``test_mask`` (originals → Symbol-Evol renamings).
    ``fixed_Cs``: one C per fold instead of the inner CV (the control task uses the probe's own).
    """
    from sklearn.metrics import f1_score

    pred = np.empty_like(y)
    fold_of = np.zeros(len(y), dtype=np.int64)
    tpred = np.full(len(y), None, dtype=object) if transfer is not None else None
    fold_acc, fold_f1, Cs = [], [], []
    for k, (tr, te) in enumerate(fold_splits(y, groups, spec.folds, spec.seed)):
        fold_of[te] = k
        feat = Featuriser(X[tr], spec.pca)
        Ztr, Zte = feat.transform(X[tr]), feat.transform(X[te])
        C = fixed_Cs[k] if fixed_Cs is not None else choose_C(Ztr, y[tr], groups[tr], spec)
        pred[te] = fit_lr(Ztr, y[tr], C, spec).predict(Zte)
        fold_acc.append(float((pred[te] == y[te]).mean()))
        fold_f1.append(float(f1_score(y[te], pred[te], average="macro")))
        Cs.append(C)
        if transfer is not None and tpred is not None:
            src, dst = tr[transfer[0][tr]], te[transfer[1][te]]
            if len(dst) and len(np.unique(y[src])) > 1:
                tpred[dst] = fit_lr(feat.transform(X[src]), y[src], C, spec).predict(feat.transform(X[dst]))
    out: dict[str, Any] = {
        "pred": pred,
        "fold_of": fold_of,
        "fold_acc": fold_acc,
        "fold_f1": fold_f1,
        "Cs": Cs,
    }
    if tpred is not None:
        out["transfer_pred"] = tpred
    return out


def online_codelength(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray, C: float, spec: ProbeSpec
) -> tuple[float, float]:
    """``(online codelength, uniform codelength)`` in bits (Voita & Titov 2020).

    Rows are ordered by a seeded shuffle of groups (members of a group adjacent; block edges
    snapped to group ends). The first block costs ``n_1 log2 K``; each later block is coded with
    a probe trained on every earlier row, with probabilities mixed ``(1 - eps) p + eps / K`` so
    that a class not seen yet costs a finite amount. ``X`` [n, d], ``y`` [n], ``groups`` [n].
    """
    classes = np.unique(y)
    K, n = len(classes), len(y)
    rng = np.random.default_rng(spec.seed)
    uniq = np.unique(groups)
    order_groups = uniq[rng.permutation(len(uniq))]
    rank = {g: i for i, g in enumerate(order_groups.tolist())}
    order = np.array(sorted(range(n), key=lambda i: (rank[groups[i]], i)), dtype=np.int64)
    ys, gs = y[order], groups[order]
    ends = np.flatnonzero(np.r_[gs[1:] != gs[:-1], True]) + 1  # group ends (exclusive)
    cuts = sorted({int(ends[np.searchsorted(ends, max(1, round(f * n)))]) for f in spec.mdl_fractions[:-1]})
    cuts = [c for c in cuts if c < n] + [n]
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
