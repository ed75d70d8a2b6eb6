"""CKA, mutual k-NN, Procrustes and centroid cosines against independent n×n / brute-force formulas."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import orthogonal_procrustes
from scipy.stats import ortho_group
from support.references import cka_gram, hsic_gram, knn_sets, mutual_knn_brute

from analysis.metrics.similarity import (
    centroid_cosines,
    hsic_unbiased,
    linear_cka,
    mutual_knn,
    nearest_neighbours,
    procrustes_distance,
)
from symbolscope.errors import UserError


@pytest.fixture()
def xy() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 12)) + 3.0  # an offset, as hidden states have
    y = np.tanh(x @ rng.normal(size=(12, 7))) + 0.3 * rng.normal(size=(60, 7))
    return x, y


def test_hsic_and_cka_equal_the_gram_formula(xy: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = xy
    for block in (7, 4096):  # several blocks and one
        assert hsic_unbiased(x, y, block) == pytest.approx(hsic_gram(x, y), rel=1e-10, abs=1e-12)
        assert abs(linear_cka(x, y, block) - cka_gram(x, y)) <= 1e-8
    assert abs(linear_cka(x.astype(np.float32), y.astype(np.float32)) - cka_gram(x, y)) <= 1e-5


def test_cka_invariances(xy: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = xy
    before = x.copy()
    linear_cka(x, y)
    assert np.array_equal(x, before)  # inputs are never centred in place
    q = ortho_group.rvs(12, random_state=1)
    assert linear_cka(x, x) == pytest.approx(1.0, abs=1e-10)
    assert linear_cka(x, 4.5 * x @ q) == pytest.approx(1.0, abs=1e-10)
    shifted = y + np.arange(7) * 10.0
    assert linear_cka(x, shifted) == pytest.approx(linear_cka(x, y), abs=1e-10)
    assert linear_cka(x, y) < 0.99


def test_cka_near_zero_for_independent_data() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(5000, 16)), rng.normal(size=(5000, 16))
    assert abs(linear_cka(x, y)) < 0.01


def test_mutual_knn_identical_and_chance() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 20))
    assert mutual_knn(x, x, k=10, block_size=64) == 1.0
    assert mutual_knn(x, 2.0 * x, k=5) == 1.0  # cosine neighbours ignore scale
    n, k = 2000, 10
    chance = k / (n - 1)
    a, b = rng.normal(size=(n, 32)), rng.normal(size=(n, 32))
    assert abs(mutual_knn(a, b, k=k, block_size=300) - chance) < 0.5 * chance


def test_mutual_knn_matches_brute_force() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(80, 6))
    y = x + 0.8 * rng.normal(size=(80, 6))
    k = 4

    want = mutual_knn_brute(x, y, k)
    assert mutual_knn(x, y, k=k, block_size=16) == pytest.approx(want, abs=1e-12)
    with pytest.raises(UserError, match="k=80"):
        mutual_knn(x, y, k=80)


def test_procrustes_zero_under_rotation_and_matches_scipy(xy: tuple[np.ndarray, np.ndarray]) -> None:
    x, _ = xy
    q = ortho_group.rvs(12, random_state=5)
    assert procrustes_distance(x, 3.0 * x @ q + 1.0) == pytest.approx(0.0, abs=1e-6)
    rng = np.random.default_rng(6)
    y = x @ rng.normal(size=(12, 12))

    def prep(z: np.ndarray) -> np.ndarray:
        z = z - z.mean(axis=0)
        return z / np.linalg.norm(z)

    a, b = prep(x), prep(y)
    r, _ = orthogonal_procrustes(b, a)  # the rotation of b closest to a
    want = np.linalg.norm(a - b @ r)
    assert procrustes_distance(x, y, block_size=9) == pytest.approx(want, abs=1e-10)
    assert 0.0 < want < np.sqrt(2)


def test_centroid_cosines_brute_force() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(30, 5)) + 2.0
    fams = ["b", "a", "c"] * 10
    names, cos, counts = centroid_cosines(x, fams)
    assert names == ["a", "b", "c"] and counts == [10, 10, 10]
    centred = x - x.mean(axis=0)
    ca, cb = centred[1::3].mean(axis=0), centred[0::3].mean(axis=0)
    assert cos[0, 1] == pytest.approx(ca @ cb / np.linalg.norm(ca) / np.linalg.norm(cb), abs=1e-12)
    assert np.allclose(np.diag(cos), 1.0) and np.allclose(cos, cos.T)
    _, raw, _ = centroid_cosines(x, fams, centre=False)
    assert raw.min() > cos.min()  # the shared offset makes uncentred centroids look alike


def test_bad_inputs_are_user_errors() -> None:
    x = np.ones((10, 3))
    with pytest.raises(UserError, match="same samples"):
        linear_cka(x, np.ones((9, 3)))
    bad = np.random.default_rng(0).normal(size=(10, 3))
    bad[4, 1] = np.nan
    with pytest.raises(UserError, match="NaN"):
        linear_cka(bad, bad)
    with pytest.raises(UserError, match="no variance"):
        linear_cka(x, np.random.default_rng(0).normal(size=(10, 3)))


def test_nearest_neighbours_match_brute_force() -> None:
    x = np.random.default_rng(8).normal(size=(50, 4))
    idx, cos = nearest_neighbours(x, 7, k=5)
    assert set(idx.tolist()) == knn_sets(x, 5)[7] and 7 not in idx.tolist()
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    assert np.allclose(cos, u[idx] @ u[7]) and list(cos) == sorted(cos, reverse=True)
