"""Figure 2, ``layers``: alignment and uniformity per layer, one line per checkpoint.

All families pooled (the ``family == "all"`` rows), shaded by the 95% bootstrap interval.
``final_norm`` (the post-norm state) is drawn as the last point when present.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from figures.common import CKPT_COLOURS, ckpt_order, layer_key, rows_of
from symbolscope.results import Result


def figure(result: Result | dict[str, Any], family: str = "all") -> Figure:
    """Two panels (alignment, uniformity) against layer index from a ``results/uniformity`` result."""
    rows = [r for r in rows_of(result) if r["family"] == family and r.get("alignment") is not None]
    ckpts = ckpt_order(rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    layers_seen: list[int | str] = sorted({r["layer"] for r in rows}, key=layer_key)
    xpos = {layer: i for i, layer in enumerate(layers_seen)}
    for i, ck in enumerate(ckpts):
        colour = CKPT_COLOURS[i % len(CKPT_COLOURS)]
        mine = sorted((r for r in rows if r["ckpt"] == ck), key=lambda r: layer_key(r["layer"]))
        xs = [xpos[r["layer"]] for r in mine]
        for ax, metric in zip(axes, ("alignment", "uniformity"), strict=True):
            ax.plot(xs, [r[metric] for r in mine], "-o", ms=3, color=colour, label=ck)
            if all(r.get(f"{metric}_ci") for r in mine):  # no band without intervals (--bootstrap 0)
                ax.fill_between(
                    xs,
                    [r[f"{metric}_ci"][0] for r in mine],
                    [r[f"{metric}_ci"][1] for r in mine],
                    color=colour,
                    alpha=0.18,
                    linewidth=0,
                )
    step = max(1, len(layers_seen) // 12)
    ticks = list(range(0, len(layers_seen), step))
    if layers_seen and ticks[-1] != len(layers_seen) - 1:
        if len(ticks) > 1 and ticks[-1] == len(layers_seen) - 2:
            ticks.pop()  # neighbouring labels would overlap
        ticks.append(len(layers_seen) - 1)
    for ax, metric in zip(
        axes, ("alignment (lower = closer positives)", "uniformity (lower = more uniform)"), strict=True
    ):
        ax.set_xticks(
            ticks, [("norm" if layers_seen[t] == "final_norm" else str(layers_seen[t])) for t in ticks]
        )
        ax.set_xlabel("layer (0 = embeddings)")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    if ckpts:
        axes[0].legend(fontsize=8)
    else:
        axes[0].text(0.5, 0.5, "no rows to draw", ha="center", va="center", transform=axes[0].transAxes)
    span = rows[0]["span"] if rows else "?"
    fig.suptitle(f"Per-layer alignment and uniformity — family '{family}', span '{span}'", fontsize=10)
    fig.tight_layout()
    return fig
