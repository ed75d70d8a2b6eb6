"""The probe on synthetic vectors with known answers: linear labels, noise, leaks, seeds, MDL."""

from __future__ import annotations

import math

import numpy as np
import pytest

from probes.fit import ProbeSpec, check_labels, cross_validate, fold_splits, online_codelength
from probes.layer import Measures, probe_layer
from probes.targets import Task, control_labels, group_ids
from symbolscope.errors import UserError

SPEC = ProbeSpec(folds=5, inner_folds=3, Cs=(0.1, 1.0, 10.0), pca=None, seed=0)


def _linear(n: int = 400, d: int = 20, k: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Vectors whose label is the argmax of a fixed linear map of them (a linear function)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(d, k))
    return X, np.argmax(X @ W, axis=1)


def _task(y: np.ndarray, surface: np.ndarray, groups: np.ndarray | None = None) -> Task:
    n = len(y)
    g = np.arange(n).astype(object) if groups is None else groups
    return Task(np.arange(n), y, g, surface, name="t")


def test_linear_target_is_read_and_its_control_is_at_chance():
    X, y = _linear()
    # surface types: 200 types of 2 rows each, with labels unrelated to X -> control is unlearnable
    surface = np.repeat(np.arange(200), 2).astype(object)
    row = probe_layer(X, {"t": [_task(y, surface)]}, SPEC, Measures(transfer=False))["t"]["probe"]
    chance = np.bincount(y).max() / len(y)
    assert row["accuracy"] > 0.9
    assert row["control_accuracy"] < chance + 0.12
    assert row["selectivity"] > 0.5
    lo, hi = row["accuracy_ci"]
    assert lo <= row["accuracy"] <= hi


def test_noise_gives_chance_for_probe_and_control():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 20))
    y = rng.integers(0, 2, 400)
    surface = np.repeat(np.arange(200), 2).astype(object)
    row = probe_layer(X, {"t": [_task(y, surface)]}, SPEC, Measures(transfer=False))["t"]["probe"]
    assert abs(row["accuracy"] - 0.5) < 0.1
    assert abs(row["control_accuracy"] - 0.5) < 0.1


def test_same_seed_same_results():
    X, y = _linear(n=200)
    surface = (np.arange(200) % 7).astype(object)
    a = probe_layer(X, {"t": [_task(y, surface)]}, SPEC, Measures())["t"]["probe"]
    b = probe_layer(X, {"t": [_task(y, surface)]}, SPEC, Measures())["t"]["probe"]
    assert a == b


def test_evol_twins_never_straddle_folds():
    ids = [f"s{i}" for i in range(60)] + [f"s{i}~evol" for i in range(0, 60, 2)]
    evol_of = [None] * 60 + [f"s{i}" for i in range(0, 60, 2)]
    groups = group_ids(ids, evol_of)
    y = np.array([i % 3 for i in range(60)] + [i % 3 for i in range(0, 60, 2)])
    for tr, te in fold_splits(y, groups, 5, seed=3):
        assert not set(groups[tr].tolist()) & set(groups[te].tolist())
        for j in te:  # every twin sits with its original
            assert ids[j].removesuffix("~evol") in {ids[i] for i in te}


def test_transfer_trains_on_originals_and_tests_renamings_of_test_groups():
    X, y = _linear(n=200, seed=4)
    X = np.concatenate([X, X[:100] + 0.01])  # 100 "renamings" of the first 100 rows
    y = np.concatenate([y, y[:100]])
    groups = np.concatenate([np.arange(200), np.arange(100)]).astype(object)
    evol = np.r_[np.zeros(200, bool), np.ones(100, bool)]
    cv = cross_validate(X, y, groups, SPEC, transfer=(~evol, evol))
    tested = cv["transfer_pred"] != None  # noqa: E711
    assert tested[200:].all() and not tested[:200].any()
    assert (cv["transfer_pred"][200:] == y[200:]).mean() > 0.85


def test_codelength_separable_far_below_uniform_noise_not():
    rng = np.random.default_rng(2)
    y = np.repeat([0, 1, 2, 3], 100)
    X = rng.normal(size=(400, 10)) * 0.1
    X[np.arange(400), y] += 3.0  # perfectly separable
    groups = np.arange(400).astype(object)
    bits, uniform = online_codelength(X, y, groups, 1.0, SPEC)
    assert math.isclose(uniform, 400 * 2.0)
    assert bits < 0.25 * uniform
    noise = rng.normal(size=(400, 10))
    bits_noise, _ = online_codelength(noise, y, groups, 1.0, SPEC)
    assert bits_noise > 0.9 * uniform


def test_control_labels_are_a_function_of_the_surface_type_with_the_label_distribution():
    rng = np.random.default_rng(5)
    y = rng.choice(["a", "b", "c"], p=[0.6, 0.3, 0.1], size=3000).astype(object)
    surface = np.arange(3000).astype(object) // 2
    yc = control_labels(y, surface, seed=0)
    for t in range(0, 1500, 97):
        assert len(set(yc[surface == t].tolist())) == 1
    share = (yc == "a").mean()
    assert 0.55 < share < 0.65


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.array(["a"] * 10), "single class"),
        (np.array(["a"] * 10 + ["b"] * 3), "class 'b' has 3 samples, fewer than --folds 5"),
    ],
)
def test_check_labels_refuses(y, message):
    with pytest.raises(UserError, match=message):
        check_labels(y, 5, "target x")


@pytest.mark.parametrize("shape", [(120, 30), (30, 120)])
def test_pca_axes_are_the_leading_singular_vectors(shape):
    """The partial-eigh PCA spans the same axes as numpy's SVD, whichever Gram matrix it uses."""
    from probes.fit import Featuriser

    rng = np.random.default_rng(5)
    X = rng.normal(size=shape) * np.linspace(3.0, 0.1, shape[1])
    feat = Featuriser(X, pca=8)
    Z = (X - X.mean(0)) / X.std(0)
    _, _, vt = np.linalg.svd(Z, full_matrices=False)
    # same axes up to sign: |cos| = 1 column by column
    cos = np.abs(np.sum(feat.components * vt[:8].T, axis=0))
    np.testing.assert_allclose(cos, 1.0, atol=1e-8)


def test_planned_folds_give_the_same_results_as_unplanned():
    """Folds planned once (reused across layers) change nothing against planning per call."""
    from probes.layer import plan_tasks

    X, y = _linear(n=150, seed=6)
    tasks = {"t": [_task(y, (np.arange(150) % 9).astype(object))]}
    plans = plan_tasks(tasks, SPEC)
    assert probe_layer(X, tasks, SPEC, Measures(), plans) == probe_layer(X, tasks, SPEC, Measures())
    for tr, te in plans["t"][0].outer:
        assert not set(tr.tolist()) & set(te.tolist())
