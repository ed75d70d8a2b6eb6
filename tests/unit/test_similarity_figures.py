"""The ``similarity`` and ``umap`` figures draw exactly the values of the result rows they read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex
from support.cli import run_module

import figures
from figures.style import palette
from symbolscope.results import Result

LAYERS = (0, 1, 2, "final_norm")
FAMS = ("fol", "python", "sql")


def _similarity_rows() -> list[dict]:
    rows = []
    for i, la in enumerate(LAYERS):
        for j, lb in enumerate(LAYERS):
            cka = 1.0 - 0.1 * abs(i - j) - 0.05 * i
            rows.append(
                {
                    "ckpt_a": "base",
                    "ckpt_b": "ours",
                    "fingerprint_a": "fa",
                    "fingerprint_b": "fb",
                    "layer_a": la,
                    "layer_b": lb,
                    "span": "symbol",
                    "measure": "cka",
                    "value": cka,
                    "n": 50,
                    "matched": la == lb,
                }
            )
        for measure, value in (("mutual_knn", 0.9 - 0.2 * i), ("procrustes", 0.1 * i)):
            rows.append(
                {
                    "ckpt_a": "base",
                    "ckpt_b": "ours",
                    "fingerprint_a": "fa",
                    "fingerprint_b": "fb",
                    "layer_a": la,
                    "layer_b": la,
                    "span": "symbol",
                    "measure": measure,
                    "value": value,
                    "n": 50,
                    "matched": True,
                }
            )
    for ck, shift in (("base", 0.0), ("ours", 0.2)):
        for a, fa in enumerate(FAMS):
            for b, fb in enumerate(FAMS):
                value = 1.0 if a == b else -0.3 + shift + 0.1 * (a + b)
                rows.append(
                    {
                        "ckpt_a": ck,
                        "ckpt_b": ck,
                        "fingerprint_a": "f",
                        "fingerprint_b": "f",
                        "layer_a": 2,
                        "layer_b": 2,
                        "span": "symbol",
                        "measure": "centroid_cosine",
                        "value": value,
                        "n": 20,
                        "family_a": fa,
                        "family_b": fb,
                    }
                )
    return rows


def test_similarity_figure_plots_the_rows(tmp_path: Path) -> None:
    rows = _similarity_rows()
    fig = figures.similarity(Result("similarity", {}, rows))
    lines, heat, cent_base, cent_ours = (ax for ax in fig.axes if ax.get_label() != "<colorbar>")
    for measure in ("cka", "mutual_knn"):
        (line,) = [ln for ln in lines.get_lines() if ln.get_gid() == f"{measure}:base:ours"]
        want = [r["value"] for r in rows if r["measure"] == measure and r["matched"]]
        assert list(line.get_ydata()) == want and list(line.get_xdata()) == [0, 1, 2, 3]
    assert "norm" in [t.get_text() for t in lines.get_xticklabels()]
    grid = heat.images[0].get_array()
    assert grid.shape == (4, 4)
    assert grid[2, 0] == pytest.approx(1.0 - 0.2)  # row = layer of ours (2), column = layer of base (0)
    (best,) = [ln for ln in heat.get_lines() if "best" in ln.get_label()]
    assert list(best.get_ydata()) == [0, 1, 2, 3]  # each base layer best matches the same ours layer
    for ax, ck in ((cent_base, "base"), (cent_ours, "ours")):
        values = ax.images[0].get_array()
        want = {
            (r["family_a"], r["family_b"]): r["value"]
            for r in rows
            if r["ckpt_a"] == ck and r.get("family_a")
        }
        assert values[0, 2] == pytest.approx(want["fol", "sql"]) and values[1, 1] == 1.0
        assert ck in ax.get_title() and [t.get_text() for t in ax.get_yticklabels()] == list(FAMS)
    for ax in (lines, heat, cent_base):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    written = figures.save(fig, tmp_path, "similarity")
    assert all(p.stat().st_size > 1000 for p in written)


def _projection_rows() -> list[dict]:
    rng = np.random.default_rng(0)
    rows = []
    for ck in ("base", "ours"):
        for fit in ("separate", "aligned"):
            for i in range(30):
                x, y = rng.normal(size=2)
                rows.append(
                    {
                        "ckpt": ck,
                        "fingerprint": f"fp-{ck}",
                        "layer": 2,
                        "sample_id": f"s{i}",
                        "family": FAMS[i % 3],
                        "x": float(x),
                        "y": float(y),
                        "fit": fit,
                    }
                )
    return rows


def test_umap_figure_plots_the_aligned_points_by_family() -> None:
    rows = _projection_rows()
    result = Result(
        "projection",
        {"pca_dims": 50, "n_neighbors": 15, "min_dist": 0.1, "span": "symbol", "family_order": ["x", *FAMS]},
        rows,
    )
    fig = figures.projection(result)
    assert len(fig.axes) == 2
    colours = {f: palette()[i + 1] for i, f in enumerate(FAMS)}  # the recorded order: "x" comes first
    for ax, ck in zip(fig.axes, ("base", "ours"), strict=True):
        assert ck in ax.get_title() and ax.get_xlabel() == "UMAP 1"
        for fam in FAMS:
            (dots,) = [c for c in ax.collections if c.get_gid() == f"{ck}:{fam}"]
            want = [
                (r["x"], r["y"]) for r in rows if (r["ckpt"], r["fit"], r["family"]) == (ck, "aligned", fam)
            ]
            assert np.allclose(dots.get_offsets(), want)
            assert to_hex(dots.get_facecolor()[0]) == colours[fam]
    assert "aligned" in fig._suptitle.get_text()
    assert {t.get_text() for t in fig.legends[0].get_texts()} == set(FAMS)
    separate = figures.projection(result, fit="separate")
    (dots,) = [c for c in separate.axes[0].collections if c.get_gid() == "base:fol"]
    want = [
        (r["x"], r["y"]) for r in rows if (r["ckpt"], r["fit"], r["family"]) == ("base", "separate", "fol")
    ]
    assert np.allclose(dots.get_offsets(), want)


def test_figures_cli_redraws_both_from_result_files(tmp_path: Path) -> None:
    Result("similarity", {}, _similarity_rows()).save(tmp_path)
    Result("projection", {"pca_dims": 50}, _projection_rows()).save(tmp_path)
    for name in ("similarity", "projection"):
        res = run_module("figures", name, "--results", str(tmp_path), "--out", str(tmp_path / "figs"))
        assert res.returncode == 0, res.stderr
        assert (tmp_path / "figs" / f"{name}.png").stat().st_size > 1000
    res = run_module("figures", "all", "--results", str(tmp_path), "--out", str(tmp_path / "all"))
    assert res.returncode == 0, res.stderr  # no uniformity results: those two are skipped and named
    assert "uniformity: missing" in res.stdout and "make it with: python -m analysis.uniformity" in res.stdout
    assert (tmp_path / "all" / "projection.pdf").is_file()
    assert not (tmp_path / "all" / "uniformity_layers.png").exists()
    empty = run_module("figures", "all", "--results", str(tmp_path / "nothing"))
    assert empty.returncode == 2 and empty.stderr.count("\n") == 1 and "nothing to draw" in empty.stderr
