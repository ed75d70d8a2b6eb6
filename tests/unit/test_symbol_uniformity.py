"""The symbol-level alignment/uniformity study (``--unit symbol``) on in-memory symbol stores.

Truth is independent of the code under test: pair sets, counts and both metrics are recomputed by
brute force (every pair enumerated, numpy only) on small random tables; concept alignment is
planted (concept members drawn around shared centres); the bootstrap is checked against resamples
built by copying whole samples; bad input is one line, exit 2, via the library and the CLI.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.symbols import make_table, random_samples, store_of

from analysis.metrics.bootstrap import bootstrap_counts, percentile_ci
from analysis.metrics.pairs import derive_seed
from analysis.store import Store
from analysis.symbolstore import SymbolStore, SymbolTable
from analysis.uniformity import ROW_KEYS, SYMBOL_KEYS, Config, run
from analysis.uniformity import cli as uniformity_cli
from analysis.uniformity import symbols as symbols_module
from symbolscope.errors import UserError, run_cli

T, ALPHA = 2.0, 2.0


def cfg(**kw: Any) -> Config:
    return Config(**{"unit": "symbol", "bootstrap": 0, "layers": "all", **kw})


# --- brute force -------------------------------------------------------------------------------


def unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def bf_uniformity(u: np.ndarray) -> float:
    pairs = list(itertools.combinations(range(len(u)), 2))
    return math.log(np.mean([math.exp(-T * float(((u[i] - u[j]) ** 2).sum())) for i, j in pairs]))


def bf_types(u: np.ndarray, keys: list[tuple[str, str]]) -> float:
    types = sorted(set(keys))
    cents = np.stack([u[[k == ty for k in keys]].mean(axis=0) for ty in types])
    return bf_uniformity(unit(cents))


def same_length(table: SymbolTable, j: int) -> bool:
    """Whether variant row j's sample has as many symbols as its original."""
    return table.sample_id.count(table.sample_id[j]) == table.sample_id.count(table.evol_of[j])


def bf_pairs(table: SymbolTable, pairs: str) -> dict[str, list[tuple[int, int]]]:
    """Every positive pair by the study's definition, enumerated, per family/concept and ``all``."""
    n, out = len(table), {}
    orig = [i for i in range(n) if table.evol_of[i] is None]
    if pairs == "same-symbol":
        for i, j in itertools.combinations(orig, 2):
            same = table.family[i] == table.family[j] and table.symbol[i] == table.symbol[j]
            if same and table.sample_id[i] != table.sample_id[j]:
                out.setdefault(table.family[i], []).append((i, j))
    elif pairs == "concept":
        for i, j in itertools.combinations(orig, 2):
            c = table.concept[i]
            if c is not None and c == table.concept[j] and table.family[i] != table.family[j]:
                out.setdefault(c, []).append((i, j))
    else:
        for j in range(n):
            if table.evol_of[j] is None:
                continue
            if not same_length(table, j):
                continue
            old = [i for i in orig if table.sample_id[i] == table.evol_of[j]]
            i = next(i for i in old if table.position[i] == table.position[j])
            if table.cls[i] == table.cls[j] == "identifier":
                out.setdefault(table.family[j], []).append((i, j))
    out["all"] = [p for v in out.values() for p in v]
    return out


def bf_members(table: SymbolTable, pairs: str, name: str) -> list[int]:
    """The occurrences a row's uniformity is over, by the study's definition."""
    n = len(table)
    if pairs == "evol":  # the occurrences of the sample pairs with equally many symbols
        kept = {table.evol_of[j] for j in range(n) if table.evol_of[j] and same_length(table, j)}
        rows = [i for i in range(n) if (table.evol_of[i] or table.sample_id[i]) in kept]
    else:
        rows = [i for i in range(n) if table.evol_of[i] is None]
    if pairs == "concept":
        return [i for i in rows if table.concept[i] is not None and name in ("all", table.concept[i])]
    return [i for i in rows if name in ("all", table.family[i])]


def rows_by(result: Any, key: str = "family") -> dict[str, dict[str, Any]]:
    return {(r["concept"] or r[key]): r for r in result.rows}


@pytest.mark.parametrize("pairs", ["same-symbol", "concept", "evol"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pairs_and_both_metrics_equal_brute_force(pairs: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    table = make_table(random_samples(rng, evol=True))
    store = store_of(table, rng)
    rows = rows_by(run({"a": store}, config=cfg(pairs=pairs)))
    u = unit(store.read(1))
    truth = bf_pairs(table, pairs)
    for name, row in rows.items():
        if row["skipped"]:
            assert name not in truth
            continue
        got = truth.get(name, [])
        assert row["n_pairs"] == row["n_pairs_total"] == len(got), (pairs, name)
        if got:
            expect = np.mean([np.linalg.norm(u[i] - u[j]) ** ALPHA for i, j in got])
            assert row["alignment"] == pytest.approx(expect, rel=1e-5)
        members = bf_members(table, pairs, name)
        keys = [(table.family[i], table.symbol[i]) for i in members]
        assert (row["n_occurrences"], row["n_types"]) == (len(members), len(set(keys)))
        sample = [e or s for s, e in zip(table.sample_id, table.evol_of, strict=True)]  # variant: original
        assert row["n"] == len({sample[i] for i in members} | {sample[i] for p in got for i in p})
        assert row["uniformity"] == pytest.approx(bf_uniformity(u[members]), rel=1e-5, abs=1e-6)
        assert row["n_uniformity"] == len(members)
        if len(set(keys)) >= 2:
            assert row["uniformity_types"] == pytest.approx(bf_types(u[members], keys), rel=1e-5, abs=1e-6)


def test_evol_counts_the_sample_pairs_dropped_for_differing_lengths() -> None:
    rng = np.random.default_rng(0)
    table = make_table(random_samples(rng, evol=True))
    rows = rows_by(run({"a": store_of(table, rng)}, config=cfg(pairs="evol")))
    # variants of samples 0..5 (sql-0, fol-1, py-2, sql-3, fol-4, py-5); sql-3's got one more symbol
    assert (rows["sql"]["evol_dropped_length"], rows["sql"]["evol_sample_pairs"]) == (1, 1)
    assert (rows["fol"]["evol_dropped_length"], rows["fol"]["evol_sample_pairs"]) == (0, 2)
    assert (
        rows["all"]["evol_sample_pairs"],
        rows["all"]["evol_dropped_length"],
        rows["all"]["evol_missing"],
    ) == (5, 1, 0)


def test_max_pairs_caps_each_row_with_a_seeded_subset_of_the_valid_pairs() -> None:
    rng = np.random.default_rng(3)
    table = make_table(random_samples(rng, n_samples=30))
    store = store_of(table, rng)
    truth = bf_pairs(table, "same-symbol")
    one = rows_by(run({"a": store}, config=cfg(pairs="same-symbol", max_pairs=5)))
    again = rows_by(run({"a": store}, config=cfg(pairs="same-symbol", max_pairs=5)))
    u = unit(store.read(1))
    for fam in ("sql", "fol", "py"):
        assert one[fam]["n_pairs"] == 5 and one[fam]["n_pairs_total"] == len(truth[fam]) > 5
        values = sorted(np.linalg.norm(u[i] - u[j]) ** 2 for i, j in truth[fam])
        assert values[0] - 1e-9 <= one[fam]["alignment"] <= values[-1] + 1e-9
        assert one[fam]["alignment"] == again[fam]["alignment"]
    assert one["all"]["n_pairs"] == 15


def test_planted_concept_alignment_is_recovered() -> None:
    """'ours' draws each concept's occurrences around one centre shared by every family; 'base'
    draws them at random. In ours the planted concepts align (small distance), the unplanted one
    does not; base aligns none; the intervals separate ours from base."""
    rng = np.random.default_rng(7)
    fams = ["sql", "fol", "py", "sparql"]
    words = {"conjunction": "and", "negation": "not", "equality": "eq"}
    samples = []
    for s in range(40):
        fam = fams[s % 4]
        syms = [(f"{w}-{fam}", "operator", c) for c, w in words.items()] + [("x", "identifier", None)]
        samples.append((f"{fam}-{s}", fam, None, syms))
    table = make_table(samples)
    d = 16
    centres = {c: rng.normal(size=d) for c in words}
    ours = rng.normal(size=(len(table), d))
    for i, c in enumerate(table.concept):
        if c in ("conjunction", "negation"):
            ours[i] = centres[c] + 0.05 * rng.normal(size=d)
    base = rng.normal(size=(len(table), d))
    stores = {
        "base": SymbolStore.from_arrays({1: base}, table),
        "ours": SymbolStore.from_arrays({1: ours}, table),
    }
    result = run(stores, config=cfg(pairs="concept", bootstrap=200))
    at = {(r["ckpt"], r["concept"]): r for r in result.rows}
    for c in ("conjunction", "negation"):
        assert at["ours", c]["alignment"] < 0.05 < 1.5 < at["base", c]["alignment"]
        assert at["ours", c]["alignment_ci"][1] < at["base", c]["alignment_ci"][0]
        assert at["ours", c]["uniformity"] > -0.1 > -2 > at["base", c]["uniformity"]  # one tight cluster
    assert at["ours", "equality"]["alignment"] > 1.5
    assert at["ours", "conjunction"]["family"] == "fol+py+sparql+sql"
    assert at["ours", "conjunction"]["n_types"] == 4  # one symbol per family realises it


def test_the_bootstrap_resamples_samples_not_occurrences() -> None:
    """One sample holds 30 of the 42 occurrences. The intervals equal percentiles of resamples built
    by copying whole samples (copies of one occurrence never paired); resampling occurrences
    instead would give much narrower intervals."""
    rng = np.random.default_rng(11)
    samples = [("big", "sql", None, [("x", "identifier", None)] * 30)]
    samples += [(f"s{k}", "sql", None, [("x", "identifier", None)] * 2) for k in range(6)]
    table = make_table(samples)
    x = rng.normal(size=(len(table), 4))
    x[:30] = x[0] + 0.01 * rng.normal(size=(30, 4))  # the big sample: one tight cluster
    store = SymbolStore.from_arrays({1: x}, table)
    row = rows_by(run({"a": store}, config=cfg(pairs="same-symbol", bootstrap=300)))["sql"]
    u = unit(x)
    names = sorted(set(table.sample_id))
    cl = np.asarray([names.index(s) for s in table.sample_id])
    counts = bootstrap_counts(len(names), 300, derive_seed(0, "sql"))
    d2 = ((u[:, None] - u[None]) ** 2).sum(-1)
    uni, ali = [], []
    for c in counts:
        copies = np.concatenate([np.repeat(np.flatnonzero(cl == k), c[k]) for k in range(len(names))])
        diff = copies[:, None] != copies[None]
        uni.append(math.log(np.exp(-T * d2[np.ix_(copies, copies)])[diff].mean()))
        pw = [(c[cl[i]] * c[cl[j]], d2[i, j]) for i, j in bf_pairs(table, "same-symbol")["sql"]]
        ali.append(sum(w * v for w, v in pw) / sum(w for w, _ in pw) if sum(w for w, _ in pw) else math.nan)
    assert row["uniformity_ci"] == pytest.approx(list(percentile_ci(np.asarray(uni), 0.95)[:2]), rel=1e-5)
    assert row["alignment_ci"] == pytest.approx(list(percentile_ci(np.asarray(ali), 0.95)[:2]), rel=1e-5)
    occ = bootstrap_counts(len(table), 300, 1)  # the wrong unit, for contrast
    wrong = [
        math.log(np.exp(-T * d2[np.ix_(r, r)])[r[:, None] != r[None]].mean())
        for r in (np.repeat(np.arange(len(table)), c) for c in occ)
    ]
    lo, hi, _ = percentile_ci(np.asarray(wrong), 0.95)
    assert row["uniformity_ci"][1] - row["uniformity_ci"][0] > 2 * (hi - lo)


def test_an_evol_pair_is_one_sample_in_the_bootstrap() -> None:
    """A variant moves with its original: an evol pair weighs its sample's count, not its square."""
    rng = np.random.default_rng(4)
    table = make_table(random_samples(rng, n_samples=30, evol=True))
    store = store_of(table, rng)
    row = rows_by(run({"a": store}, config=cfg(pairs="evol", bootstrap=200)))["all"]
    u, pairs = unit(store.read(1)), bf_pairs(table, "evol")["all"]
    names = sorted({table.evol_of[i] or table.sample_id[i] for i in bf_members(table, "evol", "all")})
    of = [names.index(table.sample_id[i]) for i, _ in pairs]  # the original's sample
    values = np.asarray([np.linalg.norm(u[i] - u[j]) ** 2 for i, j in pairs])
    stats = [
        c[of] @ values / c[of].sum() if c[of].sum() else math.nan
        for c in bootstrap_counts(len(names), 200, derive_seed(0, "all"))
    ]
    assert row["alignment_ci"] == pytest.approx(list(percentile_ci(np.asarray(stats), 0.95)[:2]), rel=1e-5)


def test_rows_have_the_symbol_columns_and_the_config_states_the_decisions() -> None:
    rng = np.random.default_rng(0)
    table = make_table(random_samples(rng))
    result = run({"a": store_of(table, rng, layers=(0, 1))}, config=cfg(pairs="same-symbol"))
    assert result.columns == ROW_KEYS + SYMBOL_KEYS and result.analysis == "uniformity_symbols"
    assert {r["layer"] for r in result.rows} == {0, 1}
    assert all(set(ROW_KEYS + SYMBOL_KEYS) <= set(r) and r["unit"] == "symbol" for r in result.rows)
    assert "Bootstrap" in result.config["symbol_decisions"] and result.config["unit"] == "symbol"


def test_uniformity_over_more_occurrences_than_the_cap_uses_a_seeded_subsample() -> None:
    rng = np.random.default_rng(5)
    table = make_table(random_samples(rng, n_samples=30))
    store = store_of(table, rng)
    row = rows_by(run({"a": store}, config=cfg(pairs="same-symbol", max_occurrences=10)))["sql"]
    assert row["n_uniformity"] == 10 < row["n_occurrences"]
    members = [i for i in range(len(table)) if table.family[i] == "sql"]
    pick = np.sort(
        np.random.default_rng(derive_seed(0, "occurrences:sql")).choice(members, 10, replace=False)
    )
    assert row["uniformity"] == pytest.approx(bf_uniformity(unit(store.read(1))[pick]), rel=1e-5)


# --- bad input -----------------------------------------------------------------------------------


def concept_store() -> SymbolStore:
    rng = np.random.default_rng(0)
    sql = [("AND", "keyword", "conjunction"), ("NOT", "keyword", "negation")]
    samples = [(f"sql-{k}", "sql", None, sql) for k in range(3)]
    samples += [(f"fol-{k}", "fol", None, [("&", "operator", "conjunction")]) for k in range(3)]
    return store_of(make_table(samples), rng)


def test_a_concept_in_one_family_is_skipped_and_listed() -> None:
    result = run({"a": concept_store()}, config=cfg(pairs="concept"))
    rows = rows_by(result)
    assert rows["negation"]["skipped"] and rows["negation"]["alignment"] is None
    assert rows["conjunction"]["n_pairs"] == 9 and not rows["conjunction"]["skipped"]
    assert result.config["skipped"] == ["a:negation"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"pairs": "concept", "concepts": ("negation",)}, "--concepts negation: concept present in fewer"),
        ({"pairs": "concept", "families": ("sql",)}, "--families names only sql"),
        ({"pairs": "concept", "families": ("sql", "py")}, "--families: py not in the symbol store"),
        ({"pairs": "family"}, "--pairs family pairs samples, not symbols"),
        ({"pairs": "same-symbol", "unit": "sample"}, "--pairs same-symbol pairs symbols, not samples"),
        ({"pairs": "same-symbol", "concepts": ("negation",)}, "--concepts applies to --pairs concept only"),
        ({"pairs": "evol"}, "holds no Symbol-Evol variant"),
    ],
)
def test_bad_input_is_one_user_error(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError) as err:
        run({"a": concept_store()}, config=cfg(**kw))
    assert message in str(err.value) and "\n" not in str(err.value)


def no_symbols_store(tmp_path: Path) -> Store:
    manifest = {"checkpoint": {"alias": "base", "fingerprint": "f"}, "dataset": {"split": "analysis"}}
    (tmp_path / "store").mkdir()
    return Store(tmp_path / "store", manifest)


def test_a_store_without_symbols_names_the_command_that_adds_them(tmp_path: Path) -> None:
    command = "'python -m analysis.extract run --ckpt base --split analysis --symbols'"
    with pytest.raises(UserError, match=f"without symbols; add them with {command}"):
        run({"base": no_symbols_store(tmp_path)}, config=cfg(pairs="same-symbol"))


ASKED: list[dict[str, Any]] = []  # what the CLI asked extraction for


def _cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: Any, *argv: str) -> int:
    """The CLI's main; a sample Store stands for what extraction returns, a SymbolStore for its symbols."""
    if isinstance(given, Store):
        monkeypatch.setattr(symbols_module, "ensure_store", lambda alias, **kw: ASKED.append(kw) or given)
    else:
        monkeypatch.setattr(symbols_module, "load_symbols", lambda *a: (given, {}))
    return run_cli(
        uniformity_cli.main,
        ["--ckpt", "base", "--out", str(tmp_path / "out"), "--no-figures", "--bootstrap", "0", *argv],
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--unit", "symbol", "--pairs", "concept", "--concepts", "negation"],
            "concept present in fewer than two",
        ),
        (["--unit", "symbol", "--pairs", "concept", "--families", "fol"], "--families names only fol"),
        (["--unit", "symbol", "--pairs", "family"], "--pairs family pairs samples, not symbols"),
        (["--pairs", "concept"], "--pairs concept pairs symbols, not samples"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    assert _cli(tmp_path, monkeypatch, concept_store(), *argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_cli_store_without_symbols_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ("--unit", "symbol", "--pairs", "same-symbol")
    assert _cli(tmp_path, monkeypatch, no_symbols_store(tmp_path), *argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--symbols" in err[0] and "without symbols" in err[0]
    assert ASKED[-1]["symbols"] is True and ASKED[-1]["span"] == "symbol"


def test_cli_writes_symbol_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(tmp_path, monkeypatch, concept_store(), "--unit", "symbol", "--pairs", "concept") == 0
    assert "conjunction" in capsys.readouterr().out
    csv = next((tmp_path / "out" / "uniformity_symbols").glob("*.csv")).read_text().splitlines()
    assert csv[0].startswith(",".join(ROW_KEYS + SYMBOL_KEYS))
