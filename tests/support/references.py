"""Independent reference formulas for the similarity tests (n×n Gram matrices, brute force)."""

from __future__ import annotations

import numpy as np


def hsic_gram(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased HSIC of Song et al. (2012), eq. 5, with the ``n × n`` linear Gram matrices."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n = x.shape[0]
    k, l = x @ x.T, y @ y.T  # noqa: E741
    np.fill_diagonal(k, 0.0)
    np.fill_diagonal(l, 0.0)
    one = np.ones(n)
    trace = np.trace(k @ l)
    sums = (one @ k @ one) * (one @ l @ one) / ((n - 1) * (n - 2))
    cross = 2.0 / (n - 2) * (one @ k @ l @ one)
    return float((trace + sums - cross) / (n * (n - 3)))


def cka_gram(x: np.ndarray, y: np.ndarray) -> float:
    """Debiased linear CKA from :func:`hsic_gram`."""
    return hsic_gram(x, y) / np.sqrt(hsic_gram(x, x) * hsic_gram(y, y))


def knn_sets(z: np.ndarray, k: int) -> list[set[int]]:
    """Each row's ``k`` nearest other rows by cosine similarity, by a full sort."""
    u = np.asarray(z, dtype=np.float64)
    u = u / np.linalg.norm(u, axis=1, keepdims=True)
    s = u @ u.T
    np.fill_diagonal(s, -np.inf)
    return [set(np.argsort(-row, kind="stable")[:k].tolist()) for row in s]


def mutual_knn_brute(x: np.ndarray, y: np.ndarray, k: int) -> float:
    """Mean fraction of shared neighbours (Huh et al. 2024) by brute force."""
    return float(np.mean([len(a & b) / k for a, b in zip(knn_sets(x, k), knn_sets(y, k), strict=True)]))
