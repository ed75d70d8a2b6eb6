"""Probes on symbols (``--unit symbol``) on synthetic symbol stores with known truth: planted
concepts transfer across families, shuffled ones do not, planted classes are read, the control
labels are constant within a symbol type, folds never split a sample, and bad input is one line."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import pytest

from analysis.symbolstore import SymbolStore, SymbolTable
from probes.cli import main
from probes.config import Config
from probes.fit import ProbeSpec, plan_folds
from probes.study import run
from probes.symbols import concept_transfer, symbol_tasks
from probes.targets import control_labels
from symbolscope.errors import UserError, run_cli

FAMILIES = ("sql", "fol", "python", "smtlib")
CONCEPTS = ("conjunction", "negation", "equality", "implication")
CLASSES = ("keyword", "operator", "identifier", "literal", "punctuation")
SPEC = ProbeSpec(folds=5, inner_folds=2, Cs=(0.1, 1.0), pca=None, seed=0)


def _table(rows: list[dict]) -> SymbolTable:
    """A table from per-row dicts (sample_id, family, symbol, cls, concept; the rest filled in)."""
    cols: dict[str, list] = {k: [] for k in SymbolTable.__dataclass_fields__}
    for i, r in enumerate(rows):
        cols["sample_id"].append(r["sample_id"])
        cols["family"].append(r["family"])
        cols["task"].append(f"nl2{r['family']}")
        cols["evol_of"].append(r.get("evol_of"))
        cols["symbol"].append(r["symbol"])
        cols["cls"].append(r["cls"])
        cols["concept"].append(r.get("concept"))
        cols["start"].append(i)
        cols["end"].append(i + 1)
        cols["position"].append(i % 4)
        cols["n_tokens"].append(1)
        cols["shared"].append(False)
        cols["token_ids"].append(r.get("token_ids", (7,)))
    return SymbolTable.from_columns(cols)


def _planted_concepts(per_cell: int = 40, d: int = 24, seed: int = 0, shuffle: bool = False):
    """Concept rows of every family: x = 3 u_concept + 2 v_family + noise (u shared by families:
    a representation that abstracts over notation), 4 occurrences per sample, two symbol texts
    per (family, concept). ``shuffle``: concept labels permuted within each family (counts kept)."""
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(len(CONCEPTS), d))
    v = rng.normal(size=(len(FAMILIES), d))
    rows, X = [], []
    for fi, fam in enumerate(FAMILIES):
        labels = [c for c in CONCEPTS for _ in range(per_cell)]
        shown = list(rng.permutation(labels)) if shuffle else labels
        for j, (true, label) in enumerate(zip(labels, shown, strict=True)):
            ci = CONCEPTS.index(true)
            sym = f"{fam}.{true}.{j % 2}"
            rows.append(
                {
                    "sample_id": f"{fam}-{j // 4}",
                    "family": fam,
                    "symbol": sym,
                    "cls": "keyword",
                    "concept": label,
                    "token_ids": (100 * fi + 10 * ci + j % 2,),
                }
            )
            X.append(3 * u[ci] + 2 * v[fi] + rng.normal(size=d))
    return _table(rows), np.array(X, dtype=np.float32)


def _rows_where(table: SymbolTable, keep: Callable[[str, str | None], bool]) -> list[int]:
    """Indices of the rows of ``table`` whose ``(family, concept)`` ``keep`` accepts, ascending
    (for ``table.take`` and ``X[rows]``, ``X`` ``[len(table), d]``)."""
    return [i for i, fc in enumerate(zip(table.family, table.concept, strict=True)) if keep(*fc)]


def _transfer_rows(table: SymbolTable, X: np.ndarray) -> list[dict]:
    _, transfer, _ = symbol_tasks(table, ("concept",), SPEC.folds, per_cell=1000, seed=0)
    assert transfer is not None
    return concept_transfer(X, transfer, SPEC)


def test_planted_concepts_transfer_to_every_held_out_family() -> None:
    table, X = _planted_concepts()
    rows = _transfer_rows(table, X)
    held = {r["held_out"]: r for r in rows if r["held_out"] is not None}
    assert set(held) == set(FAMILIES)
    for fam, r in held.items():
        assert r["accuracy"] >= 0.9, (fam, r["accuracy"])
        assert r["chance"] == pytest.approx(1 / len(CONCEPTS))
        assert (r["n_test"], r["n_train"]) == (160, 480)
    mean = rows[-1]
    assert mean["held_out"] is None
    assert mean["accuracy"] == pytest.approx(np.mean([r["accuracy"] for r in held.values()]))
    assert mean["n_test"] == 640
    lo, hi = mean["accuracy_ci"]
    assert lo <= mean["accuracy"] <= hi
    for r in held.values():  # Wilson over the held-out rows
        assert r["accuracy_ci"][0] <= r["accuracy"] <= r["accuracy_ci"][1] <= 1.0


def test_shuffled_concepts_transfer_at_chance() -> None:
    table, X = _planted_concepts(shuffle=True, seed=1)
    rows = _transfer_rows(table, X)
    for r in rows[:-1]:
        p, n = r["chance"], r["n_test"]
        assert p == pytest.approx(0.25)
        tol = 3 * math.sqrt(p * (1 - p) / n)  # binomial: predictions independent of the labels
        assert abs(r["accuracy"] - p) <= tol, (r["held_out"], r["accuracy"], tol)
    mean = rows[-1]
    assert abs(mean["accuracy"] - 0.25) <= 3 * math.sqrt(0.25 * 0.75 / mean["n_test"])


def test_family_specific_concept_directions_do_not_transfer() -> None:
    """Concepts separable inside each family but along each family's own directions: the concept
    probe reads them, the transfer does not (the test above can fail)."""
    table, _ = _planted_concepts(seed=2)
    rng = np.random.default_rng(2)
    own = {f: rng.normal(size=(len(CONCEPTS), 24)) for f in FAMILIES}
    X = np.array(
        [
            3 * own[f][CONCEPTS.index(c)] + rng.normal(size=24)
            for f, c in zip(table.family, table.concept, strict=True)
        ],
        dtype=np.float32,
    )
    rows = _transfer_rows(table, X)
    assert rows[-1]["accuracy"] < 0.5


def test_transfer_trains_only_on_the_held_out_familys_concepts() -> None:
    table, X = _planted_concepts()
    keep = _rows_where(table, lambda f, c: (f, c) != ("python", "implication"))
    rows = {r["held_out"]: r for r in _transfer_rows(table.take(keep), X[keep])}
    assert rows["python"]["n_train"] == 3 * 3 * 40  # 3 other families x python's 3 concepts
    assert rows["python"]["n_test"] == 3 * 40 and rows["python"]["n_classes"] == 3
    assert rows["python"]["chance"] == pytest.approx(1 / 3)
    assert rows["sql"]["n_train"] == 3 * 4 * 40 - 40  # python has no implication to give
    assert rows["python"]["accuracy"] >= 0.9


def _planted_classes(n_samples: int = 120, d: int = 16, seed: int = 0):
    """Symbols whose class is a direction of their vectors (x = 3 w_class + noise), 5 per sample,
    over 60 symbol types (each type one class and one token id); some samples are Symbol-Evol
    variants of others."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(len(CLASSES), d))
    rows, X = [], []
    for s in range(n_samples):
        fam = FAMILIES[s % len(FAMILIES)]
        evol_of = f"{fam}-{s - 4}" if s % 10 == 9 else None
        for _ in range(5):
            t = int(rng.integers(0, 60))
            cls = CLASSES[t % len(CLASSES)]
            rows.append(
                {
                    "sample_id": f"{fam}-{s}" if evol_of is None else f"{evol_of}~evol",
                    "evol_of": evol_of,
                    "family": fam,
                    "symbol": f"t{t}",
                    "cls": cls,
                    "token_ids": (1000 + t,),
                }
            )
            X.append(3 * w[CLASSES.index(cls)] + rng.normal(size=d))
    return _table(rows), np.array(X, dtype=np.float32)


def _cfg(**kw) -> Config:
    base = {"unit": "symbol", "n_jobs": 1, "progress": False, "mdl": False, "Cs": (0.1, 1.0)}
    return Config(**{**base, **kw})


def test_class_probe_reads_planted_classes_and_the_surface_only_memorises_types() -> None:
    table, X = _planted_classes()
    store = SymbolStore.from_arrays({0: X * 0.0 + np.random.default_rng(5).normal(size=X.shape), 1: X}, table)
    res = run({"base": store}, config=_cfg(targets="class"))
    got = {(r["kind"], r["layer"], r["target"]): r for r in res.rows}
    chance = max(table.cls.count(c) for c in CLASSES) / len(table)
    for target in ("class", "class_by_type"):
        probe = got[("probe", 1, target)]
        assert probe["accuracy"] >= 0.9, target
        assert probe["control_accuracy"] < probe["accuracy"] - 0.4
        assert got[("probe", 0, target)]["accuracy"] < chance + 0.1  # noise layer: chance
        assert probe["unit"] == "symbol" and probe["n"] == len(table)
    # the bag of the symbol's own token: each type one token, so seen types are memorised ...
    assert got[("surface", None, "class")]["accuracy"] >= 0.95
    # ... and unseen texts (folds grouped by text) leave it at the majority class
    assert got[("surface", None, "class_by_type")]["accuracy"] < chance + 0.1
    assert got[("probe", 1, "class")]["baseline"] == got[("surface", None, "class")]["accuracy"]
    assert res.config["unit"] == "symbol" and "concept_transfer" in res.config["notes"]
    assert "valid" not in res.config["notes"] and res.analysis == "symbol_probes"


def test_control_labels_are_constant_within_a_symbol_type() -> None:
    table, _ = _planted_classes()
    tasks, _, _ = symbol_tasks(table, ("class",), 5, per_cell=1000, seed=0)
    task = tasks["class"][0]
    yc = control_labels(task.y, task.surface_type, seed=3)
    by_type: dict[tuple[str, str], set[str]] = {}
    for i, label in zip(task.rows.tolist(), yc.tolist(), strict=True):
        by_type.setdefault((table.family[i], table.symbol[i]), set()).add(label)
    assert all(len(v) == 1 for v in by_type.values())
    assert len(set(yc.tolist())) >= 2 and len(by_type) > 100  # types per family: 4 x ~60


def test_folds_never_split_a_sample_or_for_class_by_type_a_symbol_text() -> None:
    table, _ = _planted_classes()
    tasks, _, _ = symbol_tasks(table, ("class",), 5, per_cell=1000, seed=0)
    sample = np.array([e or s for s, e in zip(table.sample_id, table.evol_of, strict=True)], dtype=object)
    text = np.array(table.symbol, dtype=object)
    for target, key in (("class", sample), ("class_by_type", text)):
        task = tasks[target][0]
        plan = plan_folds(task.y, task.groups, SPEC)
        for tr, te in plan.outer:
            assert not set(key[task.rows[tr]].tolist()) & set(key[task.rows[te]].tolist()), target


def test_capping_keeps_at_most_per_cell_rows_of_each_family_and_class() -> None:
    table, _ = _planted_classes()
    tasks, _, info = symbol_tasks(table, ("class",), 5, per_cell=20, seed=0)
    rows = tasks["class"][0].rows
    cells: dict[tuple[str, str], int] = {}
    for i in rows.tolist():
        cells[(table.family[i], table.cls[i])] = cells.get((table.family[i], table.cls[i]), 0) + 1
    full = {(f, c): 0 for f, c in zip(table.family, table.cls, strict=True)}
    for f, c in zip(table.family, table.cls, strict=True):
        full[(f, c)] += 1
    assert cells == {k: min(n, 20) for k, n in full.items()}
    again, _, _ = symbol_tasks(table, ("class",), 5, per_cell=20, seed=0)
    assert np.array_equal(again["class"][0].rows, rows) and info["class_rows"] == len(rows)


def test_concept_run_gives_transfer_rows_per_family_and_a_mean() -> None:
    table, X = _planted_concepts()
    store = SymbolStore.from_arrays({3: X}, table)
    res = run({"ours": store}, config=_cfg(targets="concept"))
    transfer = [r for r in res.rows if r["kind"] == "concept_transfer"]
    assert sorted(r["held_out"] or "" for r in transfer) == ["", *sorted(FAMILIES)]
    surface = {r["held_out"]: r for r in res.rows if r["kind"] == "surface_transfer"}
    for r in transfer:
        assert r["layer"] == 3 and r["baseline"] == surface[r["held_out"]]["accuracy"]
    # token ids are per (family, concept): the surface cannot transfer across families
    assert surface[None]["accuracy"] < 0.5 and transfer[-1]["accuracy"] >= 0.9
    assert [r for r in res.rows if (r["kind"], r["target"]) == ("probe", "concept")]


def test_a_concept_of_one_family_is_skipped_and_too_few_concepts_refused() -> None:
    table, _ = _planted_concepts()
    keep = _rows_where(table, lambda f, c: c != "negation" or f == "sql")
    _, transfer, info = symbol_tasks(table.take(keep), ("concept",), 5, per_cell=1000, seed=0)
    assert info["concepts_skipped"] == {"negation": "realised in one family only (sql)"}
    assert transfer is not None and "negation" not in set(transfer.y.tolist())
    two = _rows_where(table, lambda f, c: c == "negation" or (f, c) == ("fol", "equality"))
    with pytest.raises(UserError, match="target concept: fewer than two concepts can be probed"):
        symbol_tasks(table.take(two), ("concept",), 5, per_cell=1000, seed=0)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--unit", "symbol", "--target", "family"], "target 'family' is not a target of --unit symbol"),
        (["--unit", "symbol", "--target", "class,valid"], "target 'valid' is not a target of --unit symbol"),
        (["--target", "concept"], "target 'concept' is not a target of --unit sample"),
        (["--unit", "symbol", "--span", "last"], "--span must be symbol"),
        (["--unit", "token"], "--unit: unknown value 'token'"),
    ],
)
def test_bad_symbol_options_are_one_line_exit_2(argv, needle, tmp_path, capsys) -> None:
    assert run_cli(main, [*argv, "--out", str(tmp_path / "out"), "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1, err


def test_a_store_without_symbols_is_one_line_exit_2(tmp_path, capsys, monkeypatch) -> None:
    store = SimpleNamespace(
        path=tmp_path,
        name="base-analysis-abc",
        manifest={"checkpoint": {"alias": "base"}, "dataset": {"split": "analysis"}},
    )
    monkeypatch.setattr("probes.symbol_study.ensure_store", lambda *a, **k: store)
    argv = ["--unit", "symbol", "--ckpt", "base", "--out", str(tmp_path / "out"), "--no-figures"]
    assert run_cli(main, argv) == 2
    err = capsys.readouterr().err
    assert "store base-analysis-abc was extracted without symbols" in err and err.count("\n") == 1
    assert "python -m analysis.extract run --ckpt base --split analysis --symbols" in err


def test_the_cli_probes_symbols_saves_rows_and_prints_the_transfer(tmp_path, capsys, monkeypatch) -> None:
    table, X = _planted_concepts()
    stores = {"base": SymbolStore.from_arrays({0: X}, table)}
    monkeypatch.setattr("probes.symbol_study.open_symbols", lambda alias, cfg: (stores[alias], {}))
    argv = ["--unit", "symbol", "--target", "concept", "--ckpt", "base", "--out", str(tmp_path)]
    assert run_cli(main, [*argv, "--no-mdl", "--jobs", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "concept transfer, layer 0" in out and "mean" in out
    saved = json.loads(next((tmp_path / "symbol_probes").glob("*.json")).read_text())
    assert saved["config"]["unit"] == "symbol" and saved["config"]["per_cell"] == Config().per_cell
    assert {r["kind"] for r in saved["rows"]} == {"probe", "concept_transfer", "surface", "surface_transfer"}
    assert "--unit symbol" in (tmp_path / "symbol_probes" / "README.md").read_text()
    # the symbols figure draws these rows; the probes figure (Result.latest of probes/) never sees them
    assert not (tmp_path / "figures").exists() and not (tmp_path / "probes").exists()


def test_non_finite_symbol_vectors_are_refused_naming_the_sample() -> None:
    table, X = _planted_concepts()
    X[7, 3] = np.nan
    with pytest.raises(UserError, match=r"layer 2 has non-finite .* in 1 rows \(first: sql-1\)"):
        run({"base": SymbolStore.from_arrays({2: X}, table)}, config=_cfg(targets="concept"))


def test_a_family_with_one_concept_is_not_held_out_and_is_listed() -> None:
    table, X = _planted_concepts()
    keep = _rows_where(table, lambda f, c: f != "fol" or c == "negation")
    _, transfer, info = symbol_tasks(table.take(keep), ("concept",), 5, per_cell=1000, seed=0)
    assert info["transfer_skipped"] == {"fol": "1 concept (negation); a held-out family needs two"}
    assert transfer is not None
    held = [r["held_out"] for r in concept_transfer(X[keep], transfer, SPEC)]
    assert held == ["python", "smtlib", "sql", None]
