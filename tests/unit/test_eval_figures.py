"""The three ability figures draw exactly the rows of ``results/evaluate`` and
``results/ability_vs_geometry``; the study behind the last one joins ``evaluate`` and
``uniformity`` and computes Spearman's rho (the figure computes nothing)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from support.cli import run_module

import analysis.ability_vs_geometry as avg
import figures
from symbolscope.errors import UserError
from symbolscope.results import Result

CKPTS = ("base", "injection", "ours")
FAMILIES = {"sql": True, "regex": True, "math": True, "fol": False, "bash": False}  # executes?
# per checkpoint, per family: accuracy (exec match where it executes, else exact match)
ACC = {
    "base": {"sql": 0.10, "regex": 0.30, "math": 0.05, "fol": 0.00, "bash": 0.20},
    "injection": {"sql": 0.50, "regex": 0.45, "math": 0.25, "fol": 0.30, "bash": 0.25},
    "ours": {"sql": 0.60, "regex": 0.40, "math": 0.35, "fol": 0.45, "bash": 0.30},
}


def _score(acc: float, **extra) -> dict:
    return {"accuracy": acc, "accuracy_ci": [max(0.0, acc - 0.1), min(1.0, acc + 0.1)], **extra}


def eval_rows(drop: tuple[str, str] | None = None) -> list[dict]:
    """Rows as ``python -m analysis.evaluate`` writes them (per family/task, suite aggregates, average)."""
    rows = []
    for k, ck in enumerate(CKPTS):
        base = {"ckpt": ck, "fingerprint": f"fp-{ck}"}
        for fam, executes in FAMILIES.items():
            a = ACC[ck][fam]
            rows.append(
                {
                    **base,
                    "suite": "symbolic",
                    "family": fam,
                    "n": 20,
                    "parse_rate": 0.9,
                    "parse_rate_ci": [0.7, 0.97],
                    "exec_match": a if executes else None,
                    "exec_match_ci": [a - 0.1, a + 0.1] if executes else None,
                    "exact_match": a / 2 if executes else a,
                    "exact_match_ci": [0, 1],
                    **_score(a),
                }
            )
        sym = sum(ACC[ck].values()) / len(FAMILIES)
        gen = 0.40 + 0.02 * k
        dele = 0.10 + 0.15 * k
        rows.append({**base, "suite": "symbolic", "family": "all", "n": 100, **_score(sym)})
        for task, chance in (("navigate", 0.5), ("date_understanding", 0.172)):
            rows.append({**base, "suite": "general", "task": task, "n": 30, "chance": chance, **_score(gen)})
        rows.append(
            {**base, "suite": "general", "task": "heldout_nl_loss", "n": 20, "loss": 2.5, "accuracy": None}
        )
        rows.append({**base, "suite": "general", "task": "all", "n": 60, **_score(gen)})
        rows.append({**base, "suite": "delegation", "task": "math", "n": 10, **_score(dele)})
        rows.append({**base, "suite": "delegation", "task": "all", "n": 10, **_score(dele)})
        rows.append({**base, "suite": "average", "task": "all", **_score((sym + gen + dele) / 3)})
    if drop:
        rows = [r for r in rows if (r["ckpt"], r["suite"]) != drop]
    return rows


def aggregate(rows: list[dict], ck: str, suite: str) -> float:
    (hit,) = [
        r
        for r in rows
        if r["ckpt"] == ck and r["suite"] == suite and "all" in (r.get("family"), r.get("task"))
    ]
    return 100 * hit["accuracy"]


def test_overall_bar_heights_and_labels_are_the_aggregate_rows() -> None:
    rows = eval_rows(drop=("injection", "delegation"))
    fig = figures.evaluate(Result("evaluate", {}, rows))
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    expected = [
        aggregate(rows, ck, s)
        for ck in CKPTS
        for s in ("symbolic", "general", "delegation", "average")
        if (ck, s) != ("injection", "delegation")
    ]
    assert heights == pytest.approx(expected)
    texts = [t.get_text() for t in ax.texts]
    assert [t for t in texts if t != "n/a"] == [f"{v:.1f}" for v in expected]
    assert texts.count("n/a") == 1
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Symbolic",
        "General",
        "Symbol+Delegation",
        "average",
    ]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"paper: {m}" for m in PUBLISHED] + list(CKPTS)


#: the paper's published 7B scores (project page, Overall figure), typed here from the page
PUBLISHED = {
    "LLaMA-2-Chat 7B": (22.59, 40.40, 16.71, 26.57),
    "Symbol-LLM-Base 7B": (73.02, 37.76, 49.54, 53.44),
    "Symbol-LLM-Instruct 7B": (71.88, 44.30, 52.54, 56.24),
}


def _marks(ax) -> dict[str, list[tuple[float, float]]]:
    return {
        c.get_label().removeprefix("paper: "): [tuple(p) for p in c.get_offsets()]
        for c in ax.collections
        if c.get_label().startswith("paper: ")
    }


def test_overall_and_balance_draw_the_papers_7b_scores_as_labelled_marks() -> None:
    rows = eval_rows()
    overall = _marks(figures.evaluate(Result("evaluate", {}, rows)).axes[0])
    assert sorted(overall) == sorted(PUBLISHED)
    for model, values in PUBLISHED.items():
        assert [y for _, y in overall[model]] == pytest.approx(list(values))
        xs = [x for x, _ in overall[model]]
        assert [int(x) for x in xs] == [0, 1, 2, 3]  # one mark just right of each suite's bars
    balance = _marks(figures.evaluate_balance(Result("evaluate", {}, rows)).axes[0])
    assert {m: p[0] for m, p in balance.items()} == {
        m: pytest.approx((v[1], v[0])) for m, v in PUBLISHED.items()
    }


def test_balance_points_are_general_vs_symbolic() -> None:
    rows = eval_rows()
    fig = figures.evaluate_balance(Result("evaluate", {}, rows))
    ax = fig.axes[0]
    points = [tuple(c.lines[0].get_xydata()[0]) for c in ax.containers]
    expected = [(aggregate(rows, ck, "general"), aggregate(rows, ck, "symbolic")) for ck in CKPTS]
    assert points == [pytest.approx(p) for p in expected]
    labels = [t.get_text() for t in ax.texts if t.get_text() in CKPTS]
    assert labels == list(CKPTS)
    (chance,) = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert chance.get_xdata()[0] == pytest.approx(100 * (0.5 + 0.172) / 2)


def uniformity_rows(fp_ours: str = "fp-ours") -> list[dict]:
    rows = []
    d_align = {"sql": -0.30, "regex": 0.05, "math": -0.10, "fol": -0.20, "bash": 0.00}  # rank ≈ -Δability
    d_unif = {"sql": -0.5, "regex": -0.1, "math": 0.2, "fol": -0.4, "bash": 0.3}
    for ck, fp in (("base", "fp-base"), ("ours", fp_ours)):
        for layer in (0, 1, 2, 3, "final_norm"):
            for fam in [*FAMILIES, "all"]:
                a = (
                    1.0
                    + 0.01 * (layer if layer != "final_norm" else 9)
                    + (d_align.get(fam, 0) if ck == "ours" else 0)
                )
                u = -2.0 + (d_unif.get(fam, 0) if ck == "ours" and layer == 3 else 0)
                rows.append(
                    {
                        "ckpt": ck,
                        "fingerprint": fp,
                        "layer": layer,
                        "span": "symbol",
                        "pairs": "family",
                        "family": fam,
                        "n": 10,
                        "n_pairs": 45,
                        "alignment": a,
                        "alignment_ci": [a - 0.1, a + 0.1],
                        "uniformity": u,
                        "uniformity_ci": [u - 0.1, u + 0.1],
                    }
                )
    return rows


def _study(**kw) -> Result:
    ev, geo = Result("evaluate", {}, eval_rows()), Result("uniformity", {}, uniformity_rows(**kw))
    return avg.run(ev, geo)


def test_the_study_writes_the_per_family_deltas_and_rho_rows() -> None:
    result = _study()
    fams = sorted(FAMILIES)
    d_ab = [100 * (ACC["ours"][f] - ACC["base"][f]) for f in fams]
    by = {(r["ckpt"], r["layer"], r["family"]): r for r in uniformity_rows()}
    points = [r for r in result.rows if r["kind"] == "family"]
    assert [p["family"] for p in points] == fams
    assert [p["d_ability"] for p in points] == pytest.approx(d_ab)
    assert {(r["base"], r["ours"], r["layer"]) for r in result.rows} == {("base", "ours", 3)}  # last block
    for key in ("alignment", "uniformity"):
        d_geo = [by[("ours", 3, f)][key] - by[("base", 3, f)][key] for f in fams]
        assert [p[f"d_{key}"] for p in points] == pytest.approx(d_geo)
        (rho,) = result.where(kind="rho", geometry=key)
        assert rho["rho"] == pytest.approx(scipy.stats.spearmanr(d_geo, d_ab).statistic)
        assert rho["n"] == 5 and rho["rho_ci"][0] <= rho["rho"] <= rho["rho_ci"][1]
    assert result.analysis == "ability_vs_geometry" and result.config["n_boot"] == 2000
    final = avg.run(
        Result("evaluate", {}, eval_rows()),
        Result("uniformity", {}, uniformity_rows()),
        avg.Config(layer="final_norm", n_boot=50),
    )
    assert {r["layer"] for r in final.rows} == {"final_norm"} and final.config["layer"] == "final_norm"


def test_the_figure_draws_the_rows_and_computes_nothing() -> None:
    result = _study()
    rows = [dict(r) for r in result.rows]
    for r in rows:  # a rho no computation on these points would give: the figure shows it as written
        if r["kind"] == "rho":
            r["rho"], r["rho_ci"] = (0.123, [-0.5, 0.75]) if r["geometry"] == "alignment" else (None, None)
    fig = figures.ability_vs_geometry(Result("ability_vs_geometry", {}, rows))
    left, right = fig.axes
    points = [r for r in rows if r["kind"] == "family"]
    for ax, key in ((left, "alignment"), (right, "uniformity")):
        (scatter,) = ax.collections
        expected = [(p[f"d_{key}"], p["d_ability"]) for p in points]
        assert np.asarray(scatter.get_offsets()) == pytest.approx(np.array(expected))
        assert [t.get_text() for t in ax.texts] == [p["family"] for p in points]
    assert left.get_title() == "Spearman ρ = 0.12, 95% CI [-0.50, 0.75]  (n = 5 families)"
    assert right.get_title() == "Spearman ρ = n/a, 95% CI n/a  (n = 5 families)"
    assert "layer 3" in fig._suptitle.get_text()


def test_spearman_and_its_interval_against_references() -> None:
    x = np.array([1.0, 2.0, 2.0, 5.0, 3.0, 8.0, 0.5])
    y = np.array([2.0, 1.0, 4.0, 4.0, 6.0, 7.0, 0.0])
    assert avg.spearman(x, y) == pytest.approx(scipy.stats.spearmanr(x, y).statistic)
    assert avg.spearman_ci(x, -2 * x + 1) == pytest.approx(
        (-1.0, -1.0)
    )  # every resample is perfectly decreasing
    lo, hi = avg.spearman_ci(x, y)
    assert -1 <= lo <= avg.spearman(x, y) <= hi <= 1
    assert math.isnan(avg.spearman(x, np.ones_like(x)))


def test_the_study_refuses_other_weights_and_bad_rows() -> None:
    with pytest.raises(UserError, match="'ours' has fingerprint fp-ours in the eval result but fp-other"):
        _study(fp_ours="fp-other")
    bad = uniformity_rows()
    bad[3]["alignment"] = "high"
    with pytest.raises(UserError, match="row 3: field 'alignment'"):
        avg.run(Result("evaluate", {}, eval_rows()), Result("uniformity", {}, bad))


def test_figures_cli_draws_the_eval_figures_and_the_study_joins_two_analyses(tmp_path: Path) -> None:
    Result("uniformity", {"t": 2}, uniformity_rows()).save(tmp_path)
    proc = run_module("figures", "all", "--results", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert (
        f"evaluate: missing {tmp_path}/evaluate/ — make it with: python -m analysis.evaluate" in proc.stdout
        and (tmp_path / "figures" / "uniformity_layers.png").is_file()
    )
    proc = run_module("figures", "evaluate", "--results", str(tmp_path))
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "evaluate/" in proc.stderr
    proc = run_module("analysis.ability_vs_geometry", "--results", str(tmp_path), "--out", str(tmp_path))
    assert proc.returncode == 2 and proc.stderr.startswith(f"error: no result files in {tmp_path}/evaluate/")
    Result("evaluate", {}, eval_rows()).save(tmp_path)
    proc = run_module(
        "analysis.ability_vs_geometry",
        "--results",
        str(tmp_path),
        "--out",
        str(tmp_path),
        "--bootstrap",
        "200",
    )
    assert proc.returncode == 0, proc.stderr
    (written,) = (tmp_path / "ability_vs_geometry").glob("*.json")
    assert f"5 families, layer 3 -> {written}" in proc.stdout
    assert Result.load(written).config["sources"]["evaluate"]["path"].startswith(str(tmp_path / "evaluate"))
    proc = run_module("figures", "all", "--results", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    for name in ("evaluate", "evaluate_balance", "ability_vs_geometry", "uniformity", "uniformity_layers"):
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 5000
    assert f"ability_vs_geometry: {tmp_path}/figures/ability_vs_geometry.png  (from {written})" in proc.stdout


def test_old_figure_names_and_the_old_results_folder_still_draw(tmp_path: Path) -> None:
    """A results folder from before the rename (``eval/``, rows saying ``"analysis": "eval"``) is
    read with one note, and the old figure names draw the new figures, saying so."""
    legacy = Result("eval", {}, eval_rows())
    legacy.save(tmp_path)
    assert (tmp_path / "eval" / f"{legacy.run_id}.json").is_file()
    proc = run_module("figures", "overall", "--results", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "note: figure 'overall' is now called 'evaluate'" in proc.stdout
    notes = [line for line in proc.stderr.splitlines() if line.startswith("note:")]
    assert notes == [
        f"note: reading {tmp_path}/eval/ (the old name of {tmp_path}/evaluate/; rename it to evaluate/)"
    ]
    assert (tmp_path / "figures" / "evaluate.png").stat().st_size > 5000
    assert not (tmp_path / "figures" / "overall.png").exists()
    assert Result.latest(tmp_path, "evaluate").analysis == "evaluate"
    with pytest.warns(DeprecationWarning, match="figures.balance is now figures.evaluate_balance"):
        assert figures.balance is figures.evaluate_balance
