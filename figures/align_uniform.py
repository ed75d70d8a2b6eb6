"""Figure 1, ``align_uniform``: the alignment–uniformity plane, base vs ours.

One large point per checkpoint (all families pooled, with 95% bootstrap intervals as error
bars), one small point per family, and arrows from the first checkpoint to each other one.
Both axes are "lower is better" (Wang & Isola 2020), so better representations sit lower-left.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from figures.common import CKPT_COLOURS, ckpt_order, config_of, layer_key, rows_of
from symbolscope.results import Result


def pick_layer(rows: list[dict[str, Any]], layer: int | str | None = None) -> int | str:
    """The layer to draw: ``layer`` if given, else the deepest integer layer in the rows."""
    if layer is not None:
        return layer
    ints = [r["layer"] for r in rows if r["layer"] != "final_norm"]
    return max(ints) if ints else max((r["layer"] for r in rows), key=layer_key)


def _err(row: dict[str, Any], metric: str) -> list[list[float]] | None:
    """Error-bar lengths from the row's interval, or None when it has none (``--bootstrap 0``)."""
    ci, value = row.get(f"{metric}_ci"), row[metric]
    if not ci or ci[0] is None or ci[1] is None:
        return None
    return [[value - ci[0]], [ci[1] - value]]


def figure(result: Result | dict[str, Any], layer: int | str | None = None) -> Figure:
    """Draw the plane from a ``results/uniformity`` result (``config`` + ``rows``) at one layer."""
    rows = [r for r in rows_of(result) if r.get("uniformity") is not None]  # skipped groups have no values
    chosen = pick_layer(rows, layer) if rows else "-"
    rows = [r for r in rows if r["layer"] == chosen]
    ckpts = ckpt_order(rows)
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    overall: dict[str, dict[str, Any]] = {}
    for i, ck in enumerate(ckpts):
        colour = CKPT_COLOURS[i % len(CKPT_COLOURS)]
        fam = [r for r in rows if r["ckpt"] == ck and r["family"] != "all"]
        ax.scatter(
            [r["uniformity"] for r in fam],
            [r["alignment"] for r in fam],
            s=14,
            alpha=0.45,
            color=colour,
            linewidths=0,
        )
        for r in fam if i == 0 else []:
            ax.annotate(
                r["family"],
                (r["uniformity"], r["alignment"]),
                fontsize=6,
                alpha=0.6,
                xytext=(2, 2),
                textcoords="offset points",
            )
        top = next((r for r in rows if r["ckpt"] == ck and r["family"] == "all"), None)
        if top is None:
            continue
        overall[ck] = top
        ax.errorbar(
            top["uniformity"],
            top["alignment"],
            xerr=_err(top, "uniformity"),
            yerr=_err(top, "alignment"),
            fmt="o",
            ms=9,
            color=colour,
            ecolor=colour,
            capsize=3,
            label=f"{ck} (all families)",
            zorder=3,
        )
    if ckpts and ckpts[0] in overall:
        start = overall[ckpts[0]]
        for ck in ckpts[1:]:
            if ck in overall:
                end = overall[ck]
                ax.annotate(
                    "",
                    xy=(end["uniformity"], end["alignment"]),
                    xytext=(start["uniformity"], start["alignment"]),
                    arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 1.2},
                    zorder=2,
                )
    cfg = config_of(result)
    ax.set_xlabel(f"uniformity  log E exp(−{cfg.get('t', 2)}·‖f(x)−f(y)‖²)   (lower = more uniform)")
    ax.set_ylabel(f"alignment  E ‖f(x)−f(y)‖^{cfg.get('alpha', 2)}   (lower = closer positives)")
    span, pairs = rows[0]["span"] if rows else "?", rows[0]["pairs"] if rows else "?"
    ax.set_title(f"Alignment vs uniformity — layer {chosen}, span '{span}', pairs '{pairs}'", fontsize=10)
    ax.grid(alpha=0.3)
    if not rows:
        ax.text(0.5, 0.5, "no family had enough samples", ha="center", va="center", transform=ax.transAxes)
    elif overall:
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig
