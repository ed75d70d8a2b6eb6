"""Alignment, uniformity, their bootstrap and the per-layer report, against independent references."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from analysis.metrics.bootstrap import (
    AlignmentResampler,
    ClusterUniformity,
    UniformityResampler,
    bootstrap_counts,
    percentile_ci,
)
from analysis.metrics.geometry import UnitRows, alignment, l2_normalise, pair_distances, uniformity
from analysis.metrics.pairs import family_pairs
from analysis.uniformity import uniformity_report
from symbolscope.errors import UserError

_THREADS = torch.get_num_threads()
BLOCKS = [1, 2, 5, 8, 16, 60, 61, 62, 500]  # N = 61: sizes that divide it, do not, and exceed it


def _gen(n: int, d: int, seed: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, d, generator=g, dtype=torch.float64) * 3 + 0.5).to(dtype)


def _unit64(x: torch.Tensor) -> torch.Tensor:
    x = x.to(torch.float64)
    return x / x.norm(dim=1, keepdim=True)


def _ref_uniformity(x: torch.Tensor, t: float) -> float:
    """Wang & Isola's reference, in float64 via log-sum-exp so large t cannot underflow."""
    k = torch.pdist(_unit64(x)).pow(2).mul(-t)
    return float(torch.logsumexp(k, 0) - math.log(k.numel()))


def _ref_alignment(x: torch.Tensor, y: torch.Tensor, alpha: float) -> float:
    return float((_unit64(x) - _unit64(y)).norm(dim=1).pow(alpha).mean())


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


# --- exactness against the reference formulas ---------------------------------------------------


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("t", [0.5, 2.0, 5.0])
def test_uniformity_equals_pdist_reference_for_every_block_size(block: int, t: float) -> None:
    x = _gen(61, 12, seed=1)
    plain = float(torch.pdist(_unit64(x)).pow(2).mul(-t).exp().mean().log())
    assert _rel(uniformity(x, t, block_size=block).value, plain) <= 1e-6
    x32 = x.float()  # computed in float32 blocks, accumulated in float64
    assert _rel(uniformity(x32, t, block_size=block).value, _ref_uniformity(x32, t)) <= 1e-6


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("alpha", [2.0, 1.0, 0.5])
def test_alignment_equals_reference_for_every_block_size(block: int, alpha: float) -> None:
    x, y = _gen(61, 12, seed=2), _gen(61, 12, seed=3)
    m = alignment(x, y, alpha, block_size=block)
    assert _rel(m.value, _ref_alignment(x, y, alpha)) <= 1e-6
    assert (m.n, m.n_pairs) == (61, 61)
    assert (
        _rel(alignment(x.float(), y.float(), alpha, block_size=block).value, _ref_alignment(x, y, alpha))
        <= 1e-6
    )


@pytest.mark.parametrize("t", [60.0, 200.0, 400.0])
def test_large_t_does_not_underflow(t: float) -> None:
    # e^(±2t) leaves float32 at t=60 and float64 at t=400: the per-block shift must cope.
    x = _gen(40, 3, seed=4)
    ref = _ref_uniformity(x, t)
    assert _rel(uniformity(x, t, block_size=7).value, ref) <= 1e-6
    assert _rel(uniformity(x.float(), t, block_size=7).value, _ref_uniformity(x.float(), t)) <= 1e-4


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_worker_threads_give_the_same_value(workers: int) -> None:
    x = _gen(300, 20, seed=30, dtype=torch.float32)
    one = uniformity(x, block_size=32, workers=1).value
    assert uniformity(x, block_size=32, workers=workers).value == pytest.approx(one, rel=1e-12)
    assert (
        uniformity(x, block_size=32, workers=workers).value
        == uniformity(x, block_size=32, workers=workers).value
    )
    assert torch.get_num_threads() == _THREADS  # the intra-op thread count is restored


# --- bounds and known values -------------------------------------------------------------------


@pytest.mark.parametrize("d", [2, 3, 50])
def test_bounds_on_unit_vectors(d: int) -> None:
    t = 2.0
    for seed in range(3):
        x = _gen(80, d, seed)
        clustered = torch.ones(80, d, dtype=torch.float64) + 0.05 * _gen(80, d, seed + 10)
        for a in (x, clustered):
            assert -4 * t <= uniformity(a, t).value <= 0.0
            assert 0.0 <= alignment(a, x).value <= 4.0
    antipodal = _gen(30, d, seed=5)
    assert alignment(antipodal, -antipodal).value == pytest.approx(4.0, rel=1e-12)


def test_identical_positives_have_zero_alignment() -> None:
    x = _gen(33, 9, seed=6)
    assert alignment(x, x.clone()).value == 0.0
    assert alignment(x, 7.5 * x).value == pytest.approx(0.0, abs=1e-24)


@pytest.mark.parametrize("t", [1.0, 2.0, 50.0])
def test_two_antipodal_points_give_minus_4t(t: float) -> None:
    v = torch.tensor([[0.6, -0.8, 0.0]])
    assert uniformity(torch.cat([v, -v]), t).value == pytest.approx(-4 * t, rel=1e-6)


def test_many_random_high_dim_vectors_approach_minus_2t() -> None:
    t, d = 2.0, 2048
    x = torch.randn(400, d, generator=torch.Generator().manual_seed(7))
    # cos ~ N(0, 1/d): log E exp(-t(2 - 2cos)) = -2t + 2t²/d to first order.
    assert uniformity(x, t).value == pytest.approx(-2 * t + 2 * t * t / d, abs=5e-3)


# --- input handling -----------------------------------------------------------------------------


def test_unnormalised_input_is_normalised_and_flagged() -> None:
    x = _gen(20, 5, seed=8)
    unit, flagged = l2_normalise(x)
    assert flagged
    torch.testing.assert_close(unit.norm(dim=1), torch.ones(20, dtype=torch.float64))
    _, flagged_again = l2_normalise(unit)
    assert not flagged_again
    raw, normed = uniformity(x), uniformity(unit)
    assert raw.normalised_input and not normed.normalised_input
    assert raw.value == pytest.approx(normed.value, rel=1e-12)
    assert alignment(x, unit).normalised_input and not alignment(unit, unit).normalised_input


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_is_upcast(dtype: torch.dtype) -> None:
    x = _gen(50, 16, seed=9, dtype=dtype)
    assert _rel(uniformity(x, block_size=16).value, _ref_uniformity(x, 2.0)) <= 1e-5
    y = _gen(50, 16, seed=10, dtype=dtype)
    assert _rel(alignment(x, y).value, _ref_alignment(x, y, 2.0)) <= 1e-5
    unit, _ = l2_normalise(x)
    assert unit.dtype == torch.float32


def test_numpy_input_matches_torch_input() -> None:
    x = _gen(30, 6, seed=11)
    assert uniformity(x.numpy()).value == uniformity(x).value
    assert uniformity(x.numpy().astype(np.float16)).value == pytest.approx(
        _ref_uniformity(x.half(), 2.0), rel=1e-5
    )


def test_nan_and_inf_name_the_offending_ids() -> None:
    x = _gen(12, 4, seed=12)
    x[3, 1] = float("nan")
    x[7, 0] = float("inf")
    ids = [f"sample-{i}" for i in range(12)]
    with pytest.raises(UserError, match=r"NaN/Inf in 2 vector\(s\), ids sample-3, sample-7"):
        uniformity(x, ids=ids)
    with pytest.raises(UserError, match=r"rows 3, 7"):
        uniformity(x)
    with pytest.raises(UserError, match=r"^y: NaN/Inf .*sample-3"):
        alignment(_gen(12, 4, seed=13), x, ids=ids)
    zero = _gen(5, 4, seed=14)
    zero[2] = 0
    with pytest.raises(UserError, match="all-zero"):
        uniformity(zero)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_non_positive_t_and_alpha_are_user_errors(bad: float) -> None:
    x = _gen(5, 3, seed=15)
    with pytest.raises(UserError, match=r"^t must be"):
        uniformity(x, bad)
    with pytest.raises(UserError, match=r"^alpha must be"):
        alignment(x, x, bad)


def test_other_user_errors() -> None:
    with pytest.raises(UserError, match="at least 2 vectors"):
        uniformity(_gen(1, 3, seed=16))
    with pytest.raises(UserError, match="same shape"):
        alignment(_gen(4, 3, seed=17), _gen(5, 3, seed=18))
    with pytest.raises(UserError, match="2-D"):
        uniformity(torch.zeros(4))
    with pytest.raises(UserError, match="floating"):
        uniformity(np.ones((4, 3), dtype=np.int64))
    with pytest.raises(UserError, match="block_size"):
        uniformity(_gen(4, 3, seed=19), block_size=0)
    with pytest.raises(UserError, match="workers"):
        uniformity(_gen(4, 3, seed=19), workers=0)


# --- memory: never an N×N tensor ---------------------------------------------------------------


class _MaxNumel(TorchDispatchMode):
    """Records the element count of the largest tensor any torch op produces."""

    def __init__(self) -> None:
        super().__init__()
        self.max_numel = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        out = func(*args, **(kwargs or {}))
        for leaf in tree_flatten(out)[0]:
            if isinstance(leaf, torch.Tensor):
                self.max_numel = max(self.max_numel, leaf.numel())
        return out


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_blockwise_uniformity_never_allocates_n_by_n(dtype: torch.dtype) -> None:
    n, d, block = 2000, 8, 100
    x = _gen(n, d, seed=20, dtype=dtype)
    with _MaxNumel() as probe:  # dispatch modes are thread-local: run the tiles in this thread
        value = uniformity(x, block_size=block, workers=1).value
    assert probe.max_numel <= max(block * block, n * d)  # the normalised copy of x is the largest
    assert probe.max_numel < n * n // 100
    assert _rel(value, _ref_uniformity(x, 2.0)) <= 1e-5


# --- bootstrap ------------------------------------------------------------------------------------


def _brute_uniformity(unit: np.ndarray, counts: np.ndarray, t: float) -> float:
    """Mean kernel over ordered pairs of drawn copies with different original samples, enumerated."""
    origin = np.repeat(np.arange(len(counts)), counts)
    vals = [
        math.exp(-t * float(((unit[origin[p]] - unit[origin[q]]) ** 2).sum()))
        for p, q in itertools.permutations(range(len(origin)), 2)
        if origin[p] != origin[q]
    ]
    return math.log(sum(vals) / len(vals)) if vals else math.nan


def test_uniformity_bootstrap_fast_and_blockwise_paths_equal_brute_force() -> None:
    x, t = _gen(14, 5, seed=21), 2.0
    unit = _unit64(x).numpy()
    counts = bootstrap_counts(14, 25, seed=3)
    counts[0] = 0
    counts[0, 4] = 14  # one sample drawn every time: no valid pair -> NaN
    brute = np.array([_brute_uniformity(unit, c, t) for c in counts])
    fast = UniformityResampler(x, t)(counts)
    np.testing.assert_allclose(fast, brute, rtol=1e-10, equal_nan=True)
    for block in (1, 3, 5, 14):
        blockwise = UniformityResampler(x, t, block_size=block, fast_max=1)(counts)
        np.testing.assert_allclose(blockwise, brute, rtol=1e-10, equal_nan=True)
    ones = np.ones((1, 14), dtype=np.int64)
    assert UniformityResampler(x, t)(ones)[0] == pytest.approx(uniformity(x, t).value, rel=1e-12)


@pytest.mark.parametrize(("t", "block"), [(2.0, 1), (2.0, 4), (2.0, 1024), (40.0, 5)])
def test_cluster_uniformity_equals_brute_force_over_copies_of_clusters(t: float, block: int) -> None:
    """Resampling clusters = every row of a cluster drawn c times gets weight c; copies of one row
    are never a pair, two rows of one cluster are. Rows come in shuffled cluster order."""
    x = _gen(23, 3, seed=31)
    clusters = np.random.default_rng(1).permutation(np.arange(23) % 7)
    counts = bootstrap_counts(7, 20, seed=2)
    counts[0] = 0
    counts[0, 3] = 7  # one cluster drawn 7 times: its own rows still pair with each other
    unit = _unit64(x).numpy()
    brute = np.array([_brute_uniformity(unit, c[clusters], t) for c in counts])
    got = ClusterUniformity(x, clusters, t, block_size=block)
    np.testing.assert_allclose(got(counts), brute, rtol=1e-10)
    assert got.value == pytest.approx(uniformity(x, t).value, rel=1e-12)


def test_alignment_bootstrap_of_pairs_within_one_sample_weighs_its_count() -> None:
    values, units = np.array([1.0, 2.0, 4.0]), np.array([[0], [0], [2]])
    counts = np.array([[2, 1, 0], [0, 3, 0], [1, 0, 2]])
    expect = [(2 * 1 + 2 * 2) / 4, math.nan, (1 + 2 + 2 * 4) / 4]
    np.testing.assert_allclose(AlignmentResampler(values, units, 3)(counts), expect)


def test_alignment_bootstrap_equals_brute_force_over_copies() -> None:
    x = _gen(10, 4, seed=22)
    pairs = family_pairs(["a"] * 6 + ["b"] * 4, 100, 0).all_pairs()
    dist = pair_distances(UnitRows(x).all(), pairs)
    values = dist**2
    counts = bootstrap_counts(10, 30, seed=5)
    got = AlignmentResampler(values, pairs, 10)(counts)
    lookup = {(int(i), int(j)): v for (i, j), v in zip(pairs, values, strict=True)}
    for row, c in zip(got, counts, strict=True):
        origin = np.repeat(np.arange(10), c)
        hits = [
            lookup[(min(origin[p], origin[q]), max(origin[p], origin[q]))]
            for p, q in itertools.combinations(range(len(origin)), 2)
            if (min(origin[p], origin[q]), max(origin[p], origin[q])) in lookup
        ]
        assert row == pytest.approx(np.mean(hits), rel=1e-12) if hits else math.isnan(row)


def test_bootstrap_ci_contains_point_and_is_deterministic() -> None:
    x = _gen(150, 16, seed=23)
    stat = UniformityResampler(x, 2.0)
    point = uniformity(x, 2.0).value
    a = percentile_ci(stat(bootstrap_counts(150, 300, seed=11)), 0.95)
    b = percentile_ci(stat(bootstrap_counts(150, 300, seed=11)), 0.95)
    c = percentile_ci(stat(bootstrap_counts(150, 300, seed=12)), 0.95)
    assert a[0] < point < a[1] and a[2] == 300
    assert a == b and a != c
    narrow = percentile_ci(stat(bootstrap_counts(150, 300, seed=11)), 0.5)
    assert a[0] < narrow[0] < narrow[1] < a[1]
    counts = bootstrap_counts(150, 40, seed=0)
    assert counts.shape == (40, 150) and (counts.sum(axis=1) == 150).all()


# --- the per-layer report -----------------------------------------------------------------------


def test_report_rows_match_direct_computation() -> None:
    fams = ["sql"] * 30 + ["fol"] * 12 + ["amr"]
    x = _gen(43, 8, seed=24)
    rows = uniformity_report(x, fams, max_pairs=50, n_boot=200, seed=2)
    by = {r["family"]: r for r in rows}
    assert [r["family"] for r in rows] == ["amr", "fol", "sql", "all"]
    assert by["amr"]["skipped"] and by["amr"]["uniformity"] is None
    pairs = family_pairs(fams, 50, 2)
    for fam in ("sql", "fol"):
        members = [i for i, f in enumerate(fams) if f == fam]
        p = pairs.pairs[fam]
        assert by[fam]["n_pairs"] == len(p) == min(50, len(members) * (len(members) - 1) // 2)
        assert by[fam]["alignment"] == pytest.approx(_ref_alignment(x[p[:, 0]], x[p[:, 1]], 2.0), rel=1e-6)
        assert by[fam]["uniformity"] == pytest.approx(_ref_uniformity(x[members], 2.0), rel=1e-6)
    assert by["all"]["uniformity"] == pytest.approx(_ref_uniformity(x, 2.0), rel=1e-6)
    assert by["all"]["n_pairs"] == by["sql"]["n_pairs"] + by["fol"]["n_pairs"]
    for r in (by["sql"], by["fol"], by["all"]):
        assert r["alignment_ci"][0] <= r["alignment"] <= r["alignment_ci"][1]
        assert r["uniformity_ci"][0] <= r["uniformity"] <= r["uniformity_ci"][1]
        assert r["normalised_input"] and r["pairs"] == "family"


def test_report_nl_symbol_and_evol_modes() -> None:
    x, y = _gen(20, 6, seed=25), _gen(20, 6, seed=26)
    fams = ["sql"] * 10 + ["fol"] * 10
    rows = uniformity_report(x, fams, pairs="nl-symbol", y=y, n_boot=0)
    assert rows[-1]["alignment"] == pytest.approx(_ref_alignment(x, y, 2.0), rel=1e-6)
    assert rows[-1]["alignment_ci"] is None
    evol = np.array([[0, 1], [2, 3], [12, 13]])
    rows = uniformity_report(x, fams, pairs="evol", evol_pairs=evol, n_boot=100)
    by = {r["family"]: r for r in rows}
    assert (by["sql"]["n_pairs"], by["fol"]["n_pairs"], by["all"]["n_pairs"]) == (2, 1, 3)
    assert by["all"]["alignment"] == pytest.approx(
        _ref_alignment(x[evol[:, 0]], x[evol[:, 1]], 2.0), rel=1e-6
    )
    with pytest.raises(UserError, match="no evolved pairs"):
        uniformity_report(x, fams, pairs="evol", evol_pairs=np.empty((0, 2)), n_boot=0)
    with pytest.raises(UserError, match="unknown pairing"):
        uniformity_report(x, fams, pairs="random", n_boot=0)
