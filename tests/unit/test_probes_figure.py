"""The ``probes`` figure draws the per-layer values of each checkpoint and the surface baseline."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

import figures
from symbolscope.results import Result

LAYERS = (0, 1, 2, "final_norm")


def _rows() -> list[dict]:
    rows = []
    for c, ck in enumerate(("base", "ours")):
        for t, target in enumerate(("family", "valid")):
            for i, layer in enumerate(LAYERS):
                acc = 0.5 + 0.1 * i + 0.01 * c + 0.001 * t
                rows.append(
                    {
                        "ckpt": ck,
                        "kind": "probe",
                        "layer": layer,
                        "target": target,
                        "accuracy": acc,
                        "accuracy_ci": [acc - 0.02, acc + 0.02],
                        "selectivity": 0.1 * i - c * 0.05,
                        "compression": 1.0 + i + c,
                        "chance": 0.5,
                    }
                )
            rows.append(
                {
                    "ckpt": ck,
                    "kind": "surface",
                    "layer": None,
                    "target": target,
                    "accuracy": 0.6 + c / 10,
                    "accuracy_ci": [0.5, 0.7],
                    "selectivity": 0.05,
                    "compression": 1.5,
                    "chance": 0.5,
                }
            )
    return rows


def test_probes_figure_values_per_layer_and_surface_line():
    rows = _rows()
    assert figures.REGISTRY["probes"][:2] == ("probes", figures.probes)
    fig = figures.probes(Result("probes", {}, rows))
    axes = fig.axes
    assert len(axes) == 2 * 3  # two targets x (accuracy, selectivity, compression)
    for ti, target in enumerate(("family", "valid")):
        for col, metric in enumerate(("accuracy", "selectivity", "compression")):
            ax = axes[ti * 3 + col]
            curves = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == len(LAYERS)]
            assert len(curves) == 2
            for ck, line in zip(("base", "ours"), curves, strict=True):
                want = [
                    next(
                        r[metric]
                        for r in rows
                        if (r["ckpt"], r["target"], r["layer"], r["kind"]) == (ck, target, layer, "probe")
                    )
                    for layer in LAYERS
                ]
                assert list(line.get_xdata()) == [0, 1, 2, 3]
                assert list(line.get_ydata()) == pytest.approx(want)
        surface = [ln for ln in axes[ti * 3].get_lines() if ln.get_label() == "ours surface"]
        assert surface and surface[0].get_ydata()[0] == pytest.approx(0.7)
