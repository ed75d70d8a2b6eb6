"""Figure 1, ``uniformity``: the alignment–uniformity plane, base vs ours, at one layer.

Two panels, because pooled and per-family values sit far apart on the uniformity axis:

- left, all families pooled: one point per checkpoint with its 95% bootstrap intervals as
  error bars (checkpoint colours), arrows from the first checkpoint to each other one;
- right, per family: one marker per checkpoint in the family's fixed colour and shape
  (:mod:`figures.style`), hollow for the first checkpoint and filled for the last, joined in
  checkpoint order; a colour key beside the panel names the families (no text labels on the
  points, so nothing overlaps however close the families sit).

Both axes are "lower is better" (Wang & Isola 2020), so better representations sit lower-left.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from figures.common import ckpt_order, config_of, family_order, layer_key, rows_of
from figures.style import ckpt_colour, family_colour, family_marker, styled
from symbolscope.results import Result


def pick_layer(rows: list[dict[str, Any]], layer: int | str | None = None) -> int | str:
    """The layer to draw: ``layer`` if given, else the deepest integer layer in the rows."""
    if layer is not None:
        return layer
    ints = [r["layer"] for r in rows if r["layer"] != "final_norm"]
    return max(ints) if ints else max((r["layer"] for r in rows), key=layer_key)


def _pooled(ax: Axes, rows: list[dict[str, Any]], ckpts: list[str]) -> None:
    """Left panel: the ``family == "all"`` point of each checkpoint with intervals and arrows."""
    overall: dict[str, dict[str, Any]] = {}
    for ck in ckpts:
        top = next((r for r in rows if r["ckpt"] == ck and r["family"] == "all"), None)
        if top is None:
            continue
        overall[ck] = top
        u, a = top["uniformity"], top["alignment"]
        uci, aci = top.get("uniformity_ci") or [u, u], top.get("alignment_ci") or [a, a]
        ax.errorbar(
            u,
            a,
            xerr=[[u - uci[0]], [uci[1] - u]],
            yerr=[[a - aci[0]], [aci[1] - a]],
            fmt="o",
            ms=9,
            color=ckpt_colour(ck),
            capsize=3,
            label=ck,
            zorder=3,
        )
    first = overall.get(ckpts[0]) if ckpts else None
    for ck in ckpts[1:]:
        if first is not None and ck in overall:
            ax.annotate(
                "",
                xy=(overall[ck]["uniformity"], overall[ck]["alignment"]),
                xytext=(first["uniformity"], first["alignment"]),
                arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 1.2},
                zorder=2,
            )
    ax.set_title("all families pooled (95% bootstrap CI)")
    ax.legend(title="checkpoint", loc="best")


def _families(ax: Axes, rows: list[dict[str, Any]], ckpts: list[str], order: tuple[str, ...]) -> list[str]:
    """Right panel: one marker per (family, checkpoint), joined in checkpoint order; the families drawn."""
    fams = sorted({r["family"] for r in rows if r["family"] != "all"})
    last = len(ckpts) - 1
    for fam in fams:
        colour, marker = family_colour(fam, order), family_marker(fam, order)
        pts = [next((r for r in rows if r["ckpt"] == ck and r["family"] == fam), None) for ck in ckpts]
        path = [(r["uniformity"], r["alignment"]) for r in pts if r is not None]
        if len(path) > 1:
            ax.plot(*zip(*path, strict=True), "-", color=colour, lw=0.8, alpha=0.7, zorder=1)
        for i, (ck, r) in enumerate(zip(ckpts, pts, strict=True)):
            if r is None:
                continue
            face = "none" if i == 0 and last > 0 else colour
            coll = ax.scatter(
                [r["uniformity"]],
                [r["alignment"]],
                s=30,
                marker=marker,
                facecolors=face,
                edgecolors=colour,
                alpha=1.0 if i in (0, last) else 0.5,
                linewidths=1.0,
                zorder=2,
            )
            coll.set_gid(f"{fam}|{ck}")
    ax.set_title("per family")
    return fams


def _keys(ax: Axes, fams: list[str], ckpts: list[str], order: tuple[str, ...]) -> None:
    """Colour key of the families and the fill key of the checkpoints, beside the right panel."""
    fam_handles = [
        Line2D([], [], ls="", marker=family_marker(f, order), color=family_colour(f, order), label=f)
        for f in fams
    ]
    key = ax.legend(  # tight rows: 19 families and the checkpoint key below must not overlap
        handles=fam_handles,
        title="family",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        labelspacing=0.25,
        handletextpad=0.3,
    )
    ax.add_artist(key)
    last = len(ckpts) - 1
    ck_handles = [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            color="0.35",
            mfc="none" if i == 0 and last > 0 else "0.35",
            alpha=1.0 if i in (0, last) else 0.5,
            label=ck,
        )
        for i, ck in enumerate(ckpts)
    ]
    ax.legend(handles=ck_handles, title="checkpoint", loc="lower left", bbox_to_anchor=(1.01, 0.0))


@styled
def figure(result: Result | dict[str, Any], layer: int | str | None = None) -> Figure:
    """Draw the plane from a ``results/uniformity`` result (``config`` + ``rows``) at one layer.

    ``layer=None`` draws each checkpoint at its own deepest block (models of different depth,
    such as ``tiny`` and ``base``, are compared at their last layers, as ``layers="last"`` does).
    """
    rows = [r for r in rows_of(result) if r.get("uniformity") is not None and r.get("alignment") is not None]
    ckpts = ckpt_order(rows)  # skipped groups have no values
    chosen = {ck: pick_layer([r for r in rows if r["ckpt"] == ck], layer) for ck in ckpts}
    rows = [r for r in rows if r["layer"] == chosen[r["ckpt"]]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.2))
    _pooled(left, rows, ckpts)
    order = family_order(result)
    _keys(right, _families(right, rows, ckpts, order), ckpts, order)
    cfg = config_of(result)
    for ax in (left, right):
        ax.set_xlabel(f"uniformity  log E exp(−{cfg.get('t', 2)}·‖f(x)−f(y)‖²)  (lower = more uniform)")
        ax.set_ylabel(f"alignment  E ‖f(x)−f(y)‖^{cfg.get('alpha', 2)}  (lower = closer positives)")
    span, pairs = (rows[0]["span"], rows[0]["pairs"]) if rows else ("?", "?")
    at = set(chosen.values())
    where = (
        f"layer {next(iter(at))}"
        if len(at) == 1
        else "last layer (" + ", ".join(f"{c}: {v}" for c, v in chosen.items()) + ")"
    )
    fig.suptitle(f"Alignment vs uniformity — {where}, span '{span}', pairs '{pairs}' ({' → '.join(ckpts)})")
    return fig
