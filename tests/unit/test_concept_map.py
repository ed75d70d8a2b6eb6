"""The concept map: cells equal a brute-force recomputation, planted cross-family concepts give a
large gap and random vectors none, and a store without concepts or symbols is one line."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from analysis.concept_map import concept_cells


def _centroid(x, concepts, families, c, f):
    return x[[i for i in range(len(x)) if concepts[i] == c and families[i] == f]].mean(0)


def _brute(x, concepts, families, symbols, min_occ):
    x = x - x.mean(axis=0)
    cos = lambda a, b: float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))  # noqa: E731
    pairs = sorted({(c, f) for c, f in zip(concepts, families, strict=True) if c})
    out = {}
    for c, f in pairs:
        mine = [i for i in range(len(x)) if concepts[i] == c and families[i] == f]
        spelled = {symbols[i] for i in mine}
        others = [
            i for i in range(len(x)) if concepts[i] == c and families[i] != f and symbols[i] not in spelled
        ]
        if len(mine) < min_occ or len(others) < min_occ:
            continue
        centre = x[mine].mean(0)
        diff = [
            cos(centre, _centroid(x, concepts, families, c2, f2)) for c2, f2 in pairs if c2 != c and f2 != f
        ]
        out[c, f] = (len(mine), len(others), cos(centre, x[others].mean(0)), float(np.mean(diff)))
    return out


def test_cells_equal_brute_force() -> None:
    rng = np.random.default_rng(0)
    n = 120
    concepts = [rng.choice(["and", "or", "not", None]) for _ in range(n)]
    families = [rng.choice(["sql", "fol", "python"]) for _ in range(n)]
    # mostly a family's own spelling, sometimes one spelling every family shares
    symbols = [
        f"{c}-shared" if rng.random() < 0.2 else f"{c}-{f}" for c, f in zip(concepts, families, strict=True)
    ]
    x = rng.normal(size=(n, 7))
    got = {(r["concept"], r["family"]): r for r in concept_cells(x, concepts, families, symbols, 2)}
    want = _brute(x, concepts, families, symbols, 2)
    assert set(got) == set(want) and len(want) >= 5
    for key, (n_f, n_o, same, other) in want.items():
        r = got[key]
        assert (r["n"], r["n_others"]) == (n_f, n_o)
        assert r["cos_same"] == pytest.approx(same, abs=1e-10)
        assert r["cos_other"] == pytest.approx(other, abs=1e-10)
        assert r["gap"] == pytest.approx(same - other, abs=1e-10)


@pytest.mark.parametrize("planted", [True, False])
def test_planted_concepts_are_found_and_random_ones_are_not(planted: bool) -> None:
    rng = np.random.default_rng(1)
    names, fams = ["and", "or", "not", "eq"], ["sql", "fol", "python", "bash"]
    centres = {c: rng.normal(size=32) * 3 for c in names}
    rows = [(c, f) for c, f in itertools.product(names, fams) for _ in range(10)]
    x = np.stack([(centres[c] if planted else 0) + rng.normal(size=32) for c, _ in rows])
    cells = concept_cells(x, [c for c, _ in rows], [f for _, f in rows], [f"{c}-{f}" for c, f in rows])
    gaps = [r["gap"] for r in cells]
    assert len(cells) == 16
    if planted:
        assert min(gaps) > 0.8
    else:
        assert abs(float(np.mean(gaps))) < 0.15


def test_min_occurrences_leaves_thin_cells_out() -> None:
    x = np.eye(6)
    fams = ["sql", "sql", "sql", "fol", "fol", "bash"]
    cells = concept_cells(x, ["and"] * 6, fams, [f"and-{f}" for f in fams], min_occurrences=3)
    assert [(r["concept"], r["family"]) for r in cells] == [("and", "sql")]  # fol 2, bash 1 < 3


def test_the_same_spelling_in_another_family_is_not_counted_as_the_concept() -> None:
    x = np.array([[1.0, 0], [1.0, 0], [1.0, 0], [0, 1.0], [0, 1.0], [0, 1.0], [-1.0, -1.0]] * 2)
    fams = ["sql"] * 3 + ["smtlib"] * 3 + ["sql"] + ["latex"] * 3 + ["fol"] * 3 + ["latex"]
    syms = ["="] * 6 + ["AND"] + ["="] * 3 + ["=="] * 3 + ["\\land"]
    cons = ["equality"] * 6 + ["conjunction"] + ["equality"] * 6 + ["conjunction"]
    cells = {(r["concept"], r["family"]): r for r in concept_cells(x, cons, fams, syms, 3)}
    assert cells["equality", "sql"]["n_others"] == 3  # fol's '==' only: smtlib's and latex's '=' are spelling
