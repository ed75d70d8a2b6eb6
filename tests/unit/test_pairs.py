"""Positive-pair sampling: determinism, caps, validity, and id alignment."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from analysis.metrics.pairs import (
    align_by_ids,
    derive_seed,
    evol_pairs_indices,
    family_pairs,
    key_pairs,
    pair_from_linear,
)
from symbolscope.errors import UserError


@pytest.mark.parametrize("n", [2, 3, 4, 11, 64, 301])
def test_pair_from_linear_matches_row_major_upper_triangle(n: int) -> None:
    i, j = np.triu_indices(n, k=1)
    got = pair_from_linear(np.arange(n * (n - 1) // 2), n)
    np.testing.assert_array_equal(got, np.stack([i, j], axis=1))


def test_pair_from_linear_is_exact_for_huge_n() -> None:
    n = 3_000_000
    k = np.array([0, 1, n - 2, n - 1, n * (n - 1) // 2 - 1, 4_499_998_500_000 // 3, 987_654_321_987])
    i, j = pair_from_linear(k, n).T
    assert ((i >= 0) & (i < j) & (j < n)).all()
    np.testing.assert_array_equal(i * n - i * (i + 1) // 2 + (j - i - 1), k)


def _families() -> list[str]:
    return ["sql"] * 40 + ["fol"] * 7 + ["lone"] + ["regex"] * 25 + ["sql"] * 10 + ["pddl"] * 2


def test_small_families_get_all_pairs_and_singletons_are_skipped() -> None:
    fams = _families()
    fp = family_pairs(fams, max_pairs=100, seed=0)
    assert fp.skipped == ["lone"]
    assert set(fp.pairs) == {"sql", "fol", "regex", "pddl"}
    for name in ("fol", "pddl"):
        rows = [i for i, f in enumerate(fams) if f == name]
        expected = {tuple(p) for p in itertools.combinations(rows, 2)}
        assert {tuple(p) for p in fp.pairs[name].tolist()} == expected


def test_cap_distinct_same_family_and_ordered() -> None:
    fams = _families()
    fp = family_pairs(fams, max_pairs=30, seed=7)
    for name, pairs in fp.pairs.items():
        n = fams.count(name)
        assert len(pairs) == min(30, n * (n - 1) // 2)
        assert (pairs[:, 0] < pairs[:, 1]).all()  # i != j, each unordered pair once
        assert len({tuple(p) for p in pairs.tolist()}) == len(pairs)  # without replacement
        assert all(fams[i] == name and fams[j] == name for i, j in pairs.tolist())
    assert len(fp.all_pairs()) == sum(len(p) for p in fp.pairs.values())


def test_deterministic_by_seed_and_seed_matters() -> None:
    fams = _families()
    a = family_pairs(fams, 20, seed=3)
    b = family_pairs(fams, 20, seed=3)
    c = family_pairs(fams, 20, seed=4)
    for name in a.pairs:
        np.testing.assert_array_equal(a.pairs[name], b.pairs[name])
    assert any(not np.array_equal(a.pairs[f], c.pairs[f]) for f in ("sql", "regex"))
    assert (a.seed, a.max_pairs) == (3, 20)


def test_one_family_does_not_change_another() -> None:
    fams = ["sql"] * 50 + ["fol"] * 30
    base = family_pairs(fams, 25, seed=1)
    more = family_pairs([*fams, "amr", "amr", "amr"], 25, seed=1)
    np.testing.assert_array_equal(base.pairs["sql"], more.pairs["sql"])


def test_capped_sampling_is_uniform_over_pairs() -> None:
    # 6 samples -> 15 pairs, 5 kept: each pair is kept with probability 1/3.
    hits = np.zeros((6, 6))
    trials = 600
    for seed in range(trials):
        for i, j in family_pairs(["x"] * 6, 5, seed).pairs["x"].tolist():
            hits[i, j] += 1
    freq = hits[np.triu_indices(6, 1)] / trials
    assert np.abs(freq - 1 / 3).max() < 0.08  # ~4 sigma for a binomial(600, 1/3) proportion


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_cap_is_user_error(bad: object) -> None:
    with pytest.raises(UserError, match="max_pairs"):
        family_pairs(["a", "a"], bad, 0)  # type: ignore[arg-type]


def test_derive_seed_is_stable_and_keyed() -> None:
    assert derive_seed(0, "sql") == derive_seed(0, "sql")
    assert len({derive_seed(0, "sql"), derive_seed(0, "fol"), derive_seed(1, "sql")}) == 3
    assert 0 <= derive_seed(123, "all") < 2**63


def test_evol_pairs_map_ids_to_rows_and_drop_missing() -> None:
    ids = ["a", "a~evol", "b", "c", "c~evol"]
    got = evol_pairs_indices(ids, [("a", "a~evol"), ("b", "b~evol"), ("c", "c~evol")])
    np.testing.assert_array_equal(got, [[0, 1], [3, 4]])


def test_evol_without_pairs_is_user_error() -> None:
    with pytest.raises(UserError, match="--pairs evol: split has no evolved pairs"):
        evol_pairs_indices(["a", "b"], [("a", "a~evol")])
    with pytest.raises(UserError, match="appears twice"):
        evol_pairs_indices(["a", "a"], [("a", "a")])


def test_align_by_ids_pairs_the_same_sample() -> None:
    ids_a = ["s1", "s2", "s3", "s4"]
    ids_b = ["s4", "s9", "s2", "s1"]
    ia, ib = align_by_ids(ids_a, ids_b)
    assert [ids_a[i] for i in ia] == [ids_b[j] for j in ib] == ["s1", "s2", "s4"]
    with pytest.raises(UserError, match="share no sample id"):
        align_by_ids(["x"], ["y"])
    with pytest.raises(UserError, match="appears twice"):
        align_by_ids(["x", "x"], ["x"])


@pytest.mark.parametrize("seed", range(5))
def test_key_pairs_are_every_same_key_pair_of_different_groups(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 60))
    keys, groups = rng.integers(0, 5, n).tolist(), rng.integers(0, 6, n).tolist()
    truth = [
        (i, j)
        for i, j in itertools.combinations(range(n), 2)
        if keys[i] == keys[j] and groups[i] != groups[j]
    ]
    got = key_pairs(keys, groups, 10_000, seed)
    assert got.total == len(truth) and [tuple(p) for p in got.pairs.tolist()] == truth
    if len(truth) > 7:  # capped: 7 distinct valid pairs, the same ones for the same seed
        capped = key_pairs(keys, groups, 7, seed)
        assert len({tuple(p) for p in capped.pairs.tolist()} & set(truth)) == 7 and capped.total == len(truth)
        np.testing.assert_array_equal(capped.pairs, key_pairs(keys, groups, 7, seed).pairs)


def test_key_pairs_sample_uniformly_without_enumerating() -> None:
    """200,000 rows of one key in 1,000 groups: ~2e10 valid pairs, of which 50 are drawn; each
    drawn pair is valid, and over many seeds every row is drawn about equally often."""
    keys, groups = [0] * 200_000, np.repeat(np.arange(1000), 200).tolist()
    got = key_pairs(keys, groups, 50, 0)
    assert got.total == (200_000**2 - 1000 * 200**2) // 2
    g = np.asarray(groups)
    assert (g[got.pairs[:, 0]] != g[got.pairs[:, 1]]).all()
    small = key_pairs([0] * 6, [0, 0, 1, 1, 2, 2], 1, 0)  # 12 valid pairs
    hits = np.zeros(6)
    for seed in range(3000):
        np.add.at(hits, key_pairs([0] * 6, [0, 0, 1, 1, 2, 2], 1, seed).pairs.ravel(), 1)
    assert small.total == 12 and np.allclose(hits / hits.sum(), 1 / 6, atol=0.02)


def test_key_pairs_refuse_a_bad_cap_or_unequal_columns() -> None:
    with pytest.raises(UserError, match="max_pairs"):
        key_pairs([1, 1], [0, 1], 0, 0)
    with pytest.raises(UserError, match="one of each per row"):
        key_pairs([1, 1], [0], 5, 0)
