"""Result files (config + rows contract, JSON and CSV agree) and the two uniformity figures."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from matplotlib.colors import to_hex
from support.cli import run_module

import figures
from analysis.layers import select_layers as parse_layers
from symbolscope.errors import UserError
from symbolscope.io import LEDGER
from symbolscope.results import Result

REPO = Path(__file__).resolve().parents[2]
AVAILABLE = [0, 1, 2, 3, "final_norm"]


def test_parse_layers_resolves_last_all_and_negatives() -> None:
    assert parse_layers("last", AVAILABLE) == [3]
    assert parse_layers("all", AVAILABLE) == AVAILABLE
    assert parse_layers("0,-1,final_norm,3", AVAILABLE) == [0, 3, "final_norm"]
    with pytest.raises(UserError, match=r"out of range; valid layers are 0\.\.3"):
        parse_layers("7", AVAILABLE)
    with pytest.raises(UserError, match="not a layer"):
        parse_layers("top", AVAILABLE)


def _rows() -> list[dict]:
    rows = []
    for ck, shift in (("base", 0.0), ("ours", -0.3)):
        for layer in (0, 1, 2, "final_norm"):
            depth = 3 if layer == "final_norm" else layer
            for fam in ("sql", "fol", "all"):
                a = 1.0 + shift + 0.1 * (fam == "fol") - 0.05 * depth
                u = -2.0 + shift - 0.2 * depth
                rows.append(
                    {
                        "ckpt": ck,
                        "fingerprint": f"fp-{ck}",
                        "layer": layer,
                        "span": "symbol",
                        "pairs": "family",
                        "family": fam,
                        "n": 10,
                        "n_pairs": 45,
                        "alignment": a,
                        "alignment_ci": [a - 0.05, a + 0.05],
                        "uniformity": u,
                        "uniformity_ci": [u - 0.1, u + 0.1],
                        "t": 2.0,
                        "alpha": 2.0,
                    }
                )
    return rows


def test_result_files_carry_config_and_agree(tmp_path: Path) -> None:
    rows = _rows()
    result = Result("uniformity", {"t": 2.0, "seed": 0}, rows, columns=("ckpt", "layer"))
    jpath, cpath = result.save(tmp_path)
    data = json.loads(jpath.read_text())
    assert data["config"]["seed"] == 0 and "code_version" in data["config"]
    assert data["rows"] == json.loads(json.dumps(rows))
    with open(cpath) as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == len(rows)
    assert json.loads(table[0]["alignment_ci"]) == rows[0]["alignment_ci"]
    assert Result.latest(tmp_path, "uniformity").path == jpath
    assert Result.load(jpath).rows == result.rows and Result.load(jpath).run_id == result.run_id
    assert [list(table[0])[:2]] == [["ckpt", "layer"]]
    hidden = [p for p in (tmp_path / "uniformity").iterdir() if p.name.startswith(".")]
    assert [p.name for p in hidden] == [LEDGER]  # no temporary file left, only the ownership ledger
    owned = json.loads(hidden[0].read_text())["files"]
    assert owned == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (jpath, cpath)}


def test_plane_figure_draws_each_checkpoint_and_family_at_its_values(tmp_path: Path) -> None:
    rows = _rows()
    result = Result("uniformity", {"t": 2, "alpha": 2, "family_order": ["fol", "json", "sql"]}, rows)
    fig = figures.uniformity(result)
    pooled, per_family = fig.axes
    assert "layer 2" in fig._suptitle.get_text()  # deepest integer layer by default
    at = {(r["ckpt"], r["family"]): r for r in rows if r["layer"] == 2}
    # right panel: one marker per (family, checkpoint) exactly at (uniformity, alignment)
    drawn = {c.get_gid(): tuple(c.get_offsets()[0]) for c in per_family.collections if c.get_gid()}
    assert set(drawn) == {"sql|base", "sql|ours", "fol|base", "fol|ours"}
    for gid, xy in drawn.items():
        fam, ck = gid.split("|")
        assert xy == pytest.approx((at[ck, fam]["uniformity"], at[ck, fam]["alignment"]))
    # family markers take the colour of the family's place in the recorded order; no text labels
    # on points (they used to overlap)
    place = {"fol": 0, "sql": 2}
    for c in per_family.collections:
        if c.get_gid():
            assert to_hex(c.get_edgecolor()[0]) == figures.style.palette()[place[c.get_gid().split("|")[0]]]
    assert not [t for t in per_family.texts if getattr(t, "arrow_patch", None) is None]
    # left panel: the pooled point of each checkpoint, in its checkpoint colour, one arrow base -> ours
    points = [ln for ln in pooled.get_lines() if ln.get_marker() == "o"]
    got = [v for ln in points for v in (ln.get_xdata()[0], ln.get_ydata()[0])]
    want = [at[ck, "all"][m] for ck in ("base", "ours") for m in ("uniformity", "alignment")]
    assert got == pytest.approx(want)
    assert [to_hex(ln.get_color()) for ln in points] == [figures.ckpt_colour(c) for c in ("base", "ours")]
    arrows = [a for a in pooled.texts if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == 1
    written = figures.save(fig, tmp_path, "uniformity")
    assert [p.suffix for p in written] == [".png", ".pdf"] and all(p.stat().st_size > 1000 for p in written)


def test_layers_figure_has_one_line_per_checkpoint_per_metric() -> None:
    rows = _rows()
    fig = figures.uniformity_layers(Result("uniformity", {}, rows))
    for ax in fig.axes:
        lines = ax.get_lines()
        assert len(lines) == 2
        assert list(lines[0].get_xdata()) == [0, 1, 2, 3]  # final_norm drawn last
    order = (0, 1, 2, "final_norm")
    for ax, metric in zip(fig.axes, ("alignment", "uniformity"), strict=True):
        for line, ck in zip(ax.get_lines(), ("base", "ours"), strict=True):
            want = [
                next(r[metric] for r in rows if (r["ckpt"], r["layer"], r["family"]) == (ck, layer, "all"))
                for layer in order
            ]
            assert list(line.get_ydata()) == pytest.approx(want)


def test_figures_cli_regenerates_and_rejects_unknown(tmp_path: Path) -> None:
    Result("uniformity", {"t": 2.0, "alpha": 2.0}, _rows(), columns=("ckpt",)).save(tmp_path)
    res = run_module("figures", "all", "--results", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "figures" / "uniformity.png").is_file()
    assert (tmp_path / "figures" / "uniformity_layers.pdf").is_file()
    bad = run_module("figures", "umapp", "--results", str(tmp_path))
    assert bad.returncode == 2 and bad.stderr.startswith("error: unknown figure 'umapp'")


def test_load_result_refuses_a_foreign_file(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(UserError, match="config"):
        Result.load(path)


def test_layers_figure_breaks_a_shallower_models_line_and_draws_without_intervals() -> None:
    rows = [r for r in _rows() if not (r["ckpt"] == "ours" and r["layer"] == 2)]
    for r in rows:
        r["alignment_ci"] = r["uniformity_ci"] = None  # a study run with --bootstrap 0
    fig = figures.uniformity_layers(Result("uniformity", {}, rows))
    base, ours = fig.axes[0].get_lines()
    assert list(base.get_xdata()) == [0, 1, 2, 3]
    xs = list(ours.get_xdata())
    assert xs[:2] == [0, 1] and xs[3] == 3 and xs[2] != xs[2]  # NaN: no line across layer 2
    assert not fig.axes[0].collections  # no shaded intervals without intervals
