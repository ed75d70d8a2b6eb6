"""The probe's own logistic regression against scikit-learn's, the reference it replaces."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from probes.linear import Logistic


def _problem(K: int, n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(d, K))
    return X, np.argmax(X @ W + 2.0 * rng.normal(size=(n, K)), axis=1)


@pytest.mark.parametrize(("K", "n", "d"), [(2, 60, 30), (3, 80, 20), (7, 300, 40)])
@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
def test_same_optimum_as_scikit_learn(K, n, d, C):
    """Same objective (C·Σ loss + ½‖W‖², free intercept; binomial for 2 classes): same probabilities."""
    X, y = _problem(K, n, d)
    ref = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
    ours = Logistic(C, max_iter=10_000, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    assert ours.coef_.shape == ref.coef_.shape
    assert (ours.predict(X) == ref.predict(X)).mean() > 0.99


def test_string_labels_and_warm_start():
    X, y = _problem(3, 120, 10, seed=1)
    labels = np.array(["sql", "regex", "smiles"], dtype=object)[y]
    cold = Logistic(1.0, tol=1e-8, max_iter=5000).fit(X, labels)
    warm = Logistic(1.0, tol=1e-8, max_iter=5000).fit(X, labels, warm=Logistic(0.1).fit(X, labels))
    assert set(cold.predict(X).tolist()) <= {"sql", "regex", "smiles"}
    np.testing.assert_allclose(warm.predict_proba(X), cold.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(cold.predict_proba(X).sum(axis=1), 1.0)


def test_separable_data_is_classified_perfectly():
    X, y = _problem(4, 200, 8, seed=2)
    y = np.argmax(X[:, :4], axis=1)  # noiseless linear labels
    assert (Logistic(100.0, max_iter=2000, tol=1e-6).fit(X, y).predict(X) == y).mean() > 0.97
