"""Figure ``probes``: accuracy, selectivity and compression per layer, one line per checkpoint.

One row of panels per target (``family``, ``task``, ``depth``, ``valid``: those in the result);
columns: probe accuracy (shaded by the 95% interval across folds, the surface baseline as a
dashed horizontal line in the checkpoint's colour, chance dotted grey), selectivity (accuracy −
control accuracy) and online-code compression (uniform / online codelength).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from figures.common import ckpt_order, layer_key, rows_of
from figures.style import ckpt_colour, styled
from symbolscope.results import Result

TARGET_ORDER = ("family", "task", "depth", "valid")
COLUMNS = (
    ("accuracy", "probe accuracy"),
    ("selectivity", "selectivity (acc − control)"),
    ("compression", "compression (uniform / online bits)"),
)


def _ticks(ax: Any, layers: list[int | str]) -> None:
    step = max(1, len(layers) // 8)
    ticks = list(range(0, len(layers), step))
    if layers and ticks[-1] != len(layers) - 1:
        if len(ticks) > 1 and ticks[-1] == len(layers) - 2:
            ticks.pop()
        ticks.append(len(layers) - 1)
    ax.set_xticks(ticks, [("norm" if layers[t] == "final_norm" else str(layers[t])) for t in ticks])


@styled
def figure(result: Result | dict[str, Any]) -> Figure:
    """A targets × 3 grid of per-layer panels from a ``results/probes`` result."""
    rows = rows_of(result)
    probe = [r for r in rows if r.get("kind") == "probe"]
    surface = {(r["ckpt"], r["target"]): r for r in rows if r.get("kind") == "surface"}
    targets = [t for t in TARGET_ORDER if any(r["target"] == t for r in probe)]
    targets += sorted({r["target"] for r in probe} - set(targets))
    ckpts = ckpt_order(probe)
    layers = sorted({r["layer"] for r in probe}, key=layer_key)
    xpos = {layer: i for i, layer in enumerate(layers)}
    fig, axes = plt.subplots(max(1, len(targets)), 3, figsize=(13, 2.6 * max(1, len(targets))), squeeze=False)
    for ti, target in enumerate(targets):
        for ci, ck in enumerate(ckpts):
            colour = ckpt_colour(ck)
            mine = sorted(
                (r for r in probe if r["ckpt"] == ck and r["target"] == target),
                key=lambda r: layer_key(r["layer"]),
            )
            xs = [xpos[r["layer"]] for r in mine]
            for col, (metric, _) in enumerate(COLUMNS):
                ax = axes[ti][col]
                ys = [r.get(metric) for r in mine]
                if any(v is None for v in ys):
                    continue
                ax.plot(xs, ys, "-o", ms=2.5, color=colour, label=ck)
                if metric == "accuracy":
                    ax.fill_between(
                        xs,
                        [r["accuracy_ci"][0] for r in mine],
                        [r["accuracy_ci"][1] for r in mine],
                        color=colour,
                        alpha=0.18,
                        linewidth=0,
                    )
                base = surface.get((ck, target))
                if base is not None and base.get(metric) is not None:
                    ax.axhline(base[metric], color=colour, ls="--", lw=1, label=f"{ck} surface")
            if mine and mine[0].get("chance") is not None and ci == 0:
                axes[ti][0].axhline(mine[0]["chance"], color="grey", ls=":", lw=1, label="majority class")
        for col, (_, label) in enumerate(COLUMNS):
            ax = axes[ti][col]
            _ticks(ax, layers)
            ax.grid(alpha=0.3)
            ax.ticklabel_format(axis="y", useOffset=False)
            ax.set_title(f"{target}: {label}", fontsize=9)
            if ti == len(targets) - 1:
                ax.set_xlabel("layer (0 = embeddings)")
        axes[ti][1].axhline(0.0, color="grey", lw=0.8)
        axes[ti][2].axhline(1.0, color="grey", lw=0.8)
    if targets:
        axes[0][0].legend(fontsize=7, ncol=2)
    fig.suptitle("Linear probes per layer (dashed: bag-of-tokens surface baseline)", fontsize=10)
    fig.tight_layout()
    return fig
