"""Figure 2, ``uniformity_layers``: alignment and uniformity per layer, one line per checkpoint.

All families pooled (the ``family == "all"`` rows), shaded by the 95% bootstrap interval.
``final_norm`` (the post-norm state) is drawn as the last point when present.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from figures.common import ckpt_order, layer_key, rows_of
from figures.style import ckpt_colour, styled
from symbolscope.results import Result


def _gapped(xs: list[int], ys: list[float]) -> tuple[list[float], list[float]]:
    """``xs``, ``ys`` with a NaN where positions are skipped, so a shallower model's line breaks
    instead of running flat across layers it does not have (e.g. ``tiny``'s 2 blocks beside 30)."""
    gx: list[float] = []
    gy: list[float] = []
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if i and x - xs[i - 1] > 1:
            gx.append(float("nan"))
            gy.append(float("nan"))
        gx.append(x)
        gy.append(y)
    return gx, gy


@styled
def figure(result: Result | dict[str, Any], family: str = "all") -> Figure:
    """Two panels (alignment, uniformity) against layer index from a ``results/uniformity`` result."""
    rows = [r for r in rows_of(result) if r["family"] == family and r.get("alignment") is not None]
    ckpts = ckpt_order(rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    layers_seen: list[int | str] = sorted({r["layer"] for r in rows}, key=layer_key)
    xpos = {layer: i for i, layer in enumerate(layers_seen)}
    for ck in ckpts:
        colour = ckpt_colour(ck)
        mine = sorted((r for r in rows if r["ckpt"] == ck), key=lambda r: layer_key(r["layer"]))
        xs = [xpos[r["layer"]] for r in mine]
        for ax, metric in zip(axes, ("alignment", "uniformity"), strict=True):
            ax.plot(*_gapped(xs, [r[metric] for r in mine]), "-o", ms=3, color=colour, label=ck)
            cis = [r.get(f"{metric}_ci") for r in mine]
            if all(cis):  # no intervals when the study ran without bootstrap
                gx, lo = _gapped(xs, [c[0] for c in cis])
                ax.fill_between(
                    gx, lo, _gapped(xs, [c[1] for c in cis])[1], color=colour, alpha=0.18, linewidth=0
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
    axes[0].legend(title="checkpoint")
    span = rows[0]["span"] if rows else "?"
    fig.suptitle(f"Per-layer alignment and uniformity — family '{family}', span '{span}'")
    return fig
