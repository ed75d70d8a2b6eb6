"""L2-regularised logistic regression fitted by L-BFGS: the probe's classifier, on arrays.

The same objective as scikit-learn's ``LogisticRegression(penalty="l2", solver="lbfgs")``:
``C · Σᵢ loss(xᵢ, yᵢ) + ½‖W‖²`` with an unpenalised intercept; multinomial (one weight row per
class) for three or more classes, binomial (one row, ``classes_[1]`` positive) for two. It exists
because a probe study fits ~50 tiny models per task and layer, and scikit-learn's per-fit input
validation costs more than the optimisation itself on 40-row problems; the parity test holds it
to scikit-learn's probabilities.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_expit, logsumexp, softmax


class Logistic:
    """``Logistic(C).fit(Z [n, k], y [n]).predict(Z)``; ``coef_`` [K', k], ``intercept_`` [K']
    (K' = 1 for two classes, else the number of classes), ``classes_`` sorted like ``np.unique``."""

    def __init__(self, C: float = 1.0, max_iter: int = 300, tol: float = 1e-3):
        self.C, self.max_iter, self.tol = float(C), int(max_iter), float(tol)
        self.classes_: np.ndarray = np.empty(0)
        self.coef_: np.ndarray = np.empty((0, 0))
        self.intercept_: np.ndarray = np.empty(0)

    def fit(self, Z: np.ndarray, y: np.ndarray, warm: Logistic | None = None) -> Logistic:
        """Fit on features ``Z`` [n, k] and labels ``y`` [n] (``warm``: start from its weights)."""
        Z = np.asarray(Z, dtype=np.float64)
        self.classes_, idx = np.unique(y, return_inverse=True)
        K, (n, k) = len(self.classes_), Z.shape
        rows = 1 if K == 2 else K
        x0 = np.zeros(rows * (k + 1))
        if (
            warm is not None
            and warm.coef_.shape == (rows, k)
            and np.array_equal(warm.classes_, self.classes_)
        ):
            x0 = np.concatenate([warm.coef_, warm.intercept_[:, None]], axis=1).ravel()
        target = np.where(idx == 1, 1.0, -1.0) if K == 2 else np.eye(K)[idx]
        loss = _binomial if K == 2 else _multinomial
        # scaled by 1/n as scikit-learn does, so that tol means the same on every n
        res = minimize(
            loss,
            x0,
            args=(Z, target, self.C * n),
            jac=True,
            method="L-BFGS-B",
            options={
                "maxiter": self.max_iter,
                "gtol": self.tol,
                "maxls": 50,
                "ftol": 64 * np.finfo(float).eps,
            },
        )
        W = res.x.reshape(rows, k + 1)
        self.coef_, self.intercept_ = W[:, :k], W[:, k]
        return self

    def decision_function(self, Z: np.ndarray) -> np.ndarray:
        """``[n, K']`` logits."""
        return np.asarray(Z, dtype=np.float64) @ self.coef_.T + self.intercept_

    def predict_proba(self, Z: np.ndarray) -> np.ndarray:
        """``[n, K]`` class probabilities (columns in ``classes_`` order)."""
        s = self.decision_function(Z)
        if len(self.classes_) == 2:
            p = np.exp(log_expit(s[:, 0]))
            return np.stack([1.0 - p, p], axis=1)
        return softmax(s, axis=1)

    def predict(self, Z: np.ndarray) -> np.ndarray:
        """``[n]`` the most probable class of each row."""
        s = self.decision_function(Z)
        best = (s[:, 0] > 0).astype(np.int64) if len(self.classes_) == 2 else s.argmax(axis=1)
        return self.classes_[best]


def _split(w: np.ndarray, Z: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    W = w.reshape(rows, Z.shape[1] + 1)
    return W[:, :-1], W[:, -1]


def _binomial(w: np.ndarray, Z: np.ndarray, s: np.ndarray, Cn: float) -> tuple[float, np.ndarray]:
    """Objective / n and gradient for labels ``s`` [n] in ±1 (``Cn`` = C · n)."""
    n = Z.shape[0]
    coef, b = _split(w, Z, 1)
    z = Z @ coef[0] + b[0]
    loss = float(-log_expit(s * z).sum())
    r = -s * np.exp(log_expit(-s * z))  # d loss_i / d z_i
    grad = np.concatenate([Z.T @ r / n + coef[0] / Cn, [r.sum() / n]])
    return loss / n + float(coef[0] @ coef[0]) / (2 * Cn), grad


def _multinomial(w: np.ndarray, Z: np.ndarray, Y: np.ndarray, Cn: float) -> tuple[float, np.ndarray]:
    """Objective / n and gradient for one-hot labels ``Y`` [n, K] (``Cn`` = C · n)."""
    K, n = Y.shape[1], Z.shape[0]
    coef, b = _split(w, Z, K)
    logits = Z @ coef.T + b
    lse = logsumexp(logits, axis=1)
    loss = float((lse - (logits * Y).sum(axis=1)).sum())
    R = np.exp(logits - lse[:, None]) - Y  # [n, K]
    grad = np.concatenate([R.T @ Z / n + coef / Cn, R.sum(axis=0)[:, None] / n], axis=1)
    return loss / n + float((coef * coef).sum()) / (2 * Cn), grad.ravel()
