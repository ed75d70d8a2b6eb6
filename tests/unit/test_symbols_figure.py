"""The ``symbols`` figure draws exactly its rows (alignment per pairing, the transfer mean, the
concept map of both checkpoints and their difference), and the figures CLI reads the newest result
of each pairing of the symbol study."""

from __future__ import annotations

import itertools
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import figures
from figures.__main__ import main as figures_main
from symbolscope.results import Result

CKPTS = ("base", "ours")
LAYERS = (0, 3, 6)


def _uniformity(pairs: str, shift: float = 0.0) -> Result:
    rows = [
        {"ckpt": ck, "layer": k, "family": "all", "pairs": pairs, "alignment": 1.0 + i + k / 10 + shift,
         "alignment_ci": [0.9 + i + k / 10, 1.1 + i + k / 10], "uniformity": -1.0}
        for i, (ck, k) in enumerate(itertools.product(CKPTS, LAYERS))
    ]  # fmt: skip
    return Result("uniformity_symbols", {"pairs": pairs, "unit": "symbol"}, rows)


def _probes() -> Result:
    rows = [
        {"kind": "concept_transfer", "ckpt": ck, "target": "concept", "layer": k, "held_out": None,
         "accuracy": 0.4 + 0.1 * i + k / 100, "accuracy_ci": [0.3, 0.9], "chance": 0.25}
        for i, (ck, k) in enumerate(itertools.product(CKPTS, LAYERS))
    ]  # fmt: skip
    rows.append({"kind": "surface_transfer", "ckpt": "base", "target": "concept", "layer": None,
                 "held_out": None, "accuracy": 0.1, "chance": 0.25})  # fmt: skip
    return Result("symbol_probes", {"unit": "symbol"}, rows)


def _concept_map() -> Result:
    rows = [
        {
            "ckpt": ck,
            "layer": k,
            "concept": c,
            "family": f,
            "gap": (j + 1) * 0.01 * (2 if ck == "ours" else 1),
        }
        for ck, k, (j, (c, f)) in itertools.product(
            CKPTS, LAYERS, enumerate(itertools.product(("conjunction", "negation"), ("fol", "sql", "python")))
        )
        if not (ck == "ours" and k == 6)  # ours lacks layer 6: the map uses layer 3
    ]
    return Result("concept_map", {}, rows)


def test_the_figure_draws_its_rows() -> None:
    merged = Result(
        "uniformity_symbols", {}, _uniformity("concept").rows + _uniformity("same-symbol", 5).rows
    )
    fig = figures.symbols(
        {"uniformity_symbols": merged, "symbol_probes": _probes(), "concept_map": _concept_map()}
    )
    top_left, top_right, *maps = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    lines = {ln.get_label(): ln.get_ydata() for ln in top_left.get_lines()}
    assert list(lines["base: concept pairs"]) == pytest.approx([1.0, 2.3, 3.6])
    assert list(lines["ours: same-symbol pairs"]) == pytest.approx([9.0, 10.3, 11.6])
    transfer = {ln.get_label(): ln.get_ydata() for ln in top_right.get_lines()}
    assert list(transfer["ours"]) == pytest.approx([0.7, 0.83, 0.96])
    assert transfer["chance (majority)"][0] == pytest.approx(0.25) and transfer["token surface"][0] == 0.1
    base, ours, diff = (ax.get_images()[0].get_array() for ax in maps[:3])
    assert np.allclose(base, np.array([[1, 3, 2], [4, 6, 5]]) * 0.01)  # concepts × fol, python, sql
    assert np.allclose(ours, 2 * base) and np.allclose(diff, ours - base)
    assert "layer 3" in maps[0].get_title()


def test_the_cli_reads_the_newest_result_of_each_pairing(tmp_path, capsys) -> None:
    for res in (_uniformity("concept", 100), _uniformity("same-symbol"), _uniformity("concept")):
        res.save(tmp_path)
        time.sleep(1.1)  # run ids sort by their second
    _probes().save(tmp_path)
    _concept_map().save(tmp_path)
    merged = Result.latest_each(tmp_path, "uniformity_symbols", "pairs")
    assert sorted(merged.config["merged"]) == ["concept", "same-symbol"]
    assert max(r["alignment"] for r in merged.rows if r["pairs"] == "concept") < 100  # the newer concept run
    assert len(merged.rows) == 12
    assert figures_main(["symbols", "--results", str(tmp_path)]) == 0
    assert (tmp_path / "figures" / "symbols.png").is_file()
