"""Figure ``similarity``: what changed layer by layer, from a ``results/similarity`` result.

Top left: CKA and mutual k-NN of each compared checkpoint against the baseline, per layer (one
colour per checkpoint; solid = CKA, dashed = mutual k-NN). Top right (when the result has
cross-layer rows): the layer × layer CKA heatmap of the first compared checkpoint, the best
match of each baseline layer marked. Bottom: the family × family centroid-cosine heatmap of
each checkpoint at its deepest centroid layer.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from figures.common import ckpt_label, layer_key, rows_of
from figures.style import ckpt_colour, styled
from symbolscope.results import Result

CENTROID = "centroid_cosine"


def _label(layer: int | str) -> str:
    return "norm" if layer == "final_norm" else str(layer)


def _ticks(ax: Axes, axis: str, labels: list[str], most: int = 12) -> None:
    """At most ``most`` evenly spaced tick labels (always the last), so none overlap."""
    step = max(1, int(np.ceil(len(labels) / most)))
    pos = list(range(0, len(labels), step))
    if pos[-1] != len(labels) - 1:
        if len(pos) > 1 and len(labels) - 1 - pos[-1] < step / 2:
            pos.pop()
        pos.append(len(labels) - 1)
    setter = ax.set_xticks if axis == "x" else ax.set_yticks
    setter(pos, [labels[p] for p in pos])


def per_layer(ax: Axes, rows: list[dict[str, Any]]) -> None:
    """CKA (solid) and mutual k-NN (dashed) against the baseline's layer, one colour per checkpoint."""
    matched = [r for r in rows if r.get("matched") and r["measure"] in ("cka", "mutual_knn")]
    layers = sorted({r["layer_a"] for r in matched}, key=layer_key)
    xpos = {layer: i for i, layer in enumerate(layers)}
    pairs = list(dict.fromkeys((r["ckpt_a"], r["ckpt_b"]) for r in matched))
    for ck_a, ck_b in pairs:
        for measure, style in (("cka", "-o"), ("mutual_knn", "--s")):
            mine = sorted(
                (r for r in matched if (r["ckpt_a"], r["ckpt_b"], r["measure"]) == (ck_a, ck_b, measure)),
                key=lambda r: layer_key(r["layer_a"]),
            )
            if mine:
                ax.plot(
                    [xpos[r["layer_a"]] for r in mine],
                    [r["value"] for r in mine],
                    style,
                    ms=3,
                    color=ckpt_colour(ck_b),
                    label=f"{ckpt_label(ck_b)} vs {ckpt_label(ck_a)}: {measure}",
                    gid=f"{measure}:{ck_a}:{ck_b}",
                )
    if layers:
        _ticks(ax, "x", [_label(layer) for layer in layers])
    ax.set_ylim(min(0.0, *(r["value"] for r in matched)) if matched else 0.0, 1.02)
    ax.set_xlabel(f"layer of {ckpt_label(pairs[0][0]) if pairs else 'baseline'} (0 = embeddings)")
    ax.set_ylabel("similarity (1 = same)")
    ax.set_title(
        "Per-layer similarity to the baseline\n(solid: debiased CKA, dashed: mutual k-NN)", fontsize=9
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")


def cross_layer(fig: Figure, ax: Axes, rows: list[dict[str, Any]]) -> None:
    """Layer × layer CKA heatmap of the first compared checkpoint, best match per baseline layer marked."""
    cka = [r for r in rows if r["measure"] == "cka"]
    first = (cka[0]["ckpt_a"], cka[0]["ckpt_b"])
    mine = [r for r in cka if (r["ckpt_a"], r["ckpt_b"]) == first]
    ck_a, ck_b = (ckpt_label(c) for c in first)
    la = sorted({r["layer_a"] for r in mine}, key=layer_key)
    lb = sorted({r["layer_b"] for r in mine}, key=layer_key)
    grid = np.full((len(lb), len(la)), np.nan)
    for r in mine:
        grid[lb.index(r["layer_b"]), la.index(r["layer_a"])] = r["value"]
    image = ax.imshow(
        grid, origin="lower", aspect="auto", cmap="viridis", vmin=min(0.0, np.nanmin(grid)), vmax=1.0
    )
    best = np.nanargmax(np.where(np.isnan(grid), -np.inf, grid), axis=0)
    ax.plot(range(len(la)), best, "w.", ms=4, label=f"best {ck_b} layer per {ck_a} layer")
    _ticks(ax, "x", [_label(x) for x in la])
    _ticks(ax, "y", [_label(x) for x in lb])
    ax.set_xlabel(f"layer of {ck_a}")
    ax.set_ylabel(f"layer of {ck_b}")
    ax.set_title(f"Layer × layer debiased CKA: {ck_b} vs {ck_a}", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", framealpha=0.6)
    fig.colorbar(image, ax=ax, label="CKA", shrink=0.85)


def centroids(fig: Figure, ax: Axes, rows: list[dict[str, Any]], ckpt: str) -> None:
    """Family × family centroid cosines of ``ckpt`` at its deepest centroid layer."""
    mine = [r for r in rows if r["measure"] == CENTROID and r["ckpt_a"] == ckpt]
    name = ckpt_label(ckpt)
    layer = max({r["layer_a"] for r in mine}, key=layer_key)
    mine = [r for r in mine if r["layer_a"] == layer]
    fams = sorted({r["family_a"] for r in mine})
    grid = np.full((len(fams), len(fams)), np.nan)
    for r in mine:
        grid[fams.index(r["family_a"]), fams.index(r["family_b"])] = r["value"]
    image = ax.imshow(grid, cmap="RdBu_r", vmin=-1.0, vmax=1.0)
    ax.set_xticks(range(len(fams)), fams, rotation=90, fontsize=7)
    ax.set_yticks(range(len(fams)), fams, fontsize=7)
    ax.set_xlabel("family")
    ax.set_ylabel("family")
    ax.set_title(f"{name}: family-centroid cosine, layer {_label(layer)}", fontsize=9)
    fig.colorbar(image, ax=ax, label="cosine (centred)", shrink=0.85)


@styled
def figure(result: Result | dict[str, Any]) -> Figure:
    """The similarity figure (see the module docstring) from a ``results/similarity`` result."""
    rows = rows_of(result)
    pairwise = [r for r in rows if r["measure"] != CENTROID]
    has_cross = any(r["measure"] == "cka" and not r.get("matched") for r in pairwise)
    has_matched = any(r.get("matched") for r in pairwise)
    ckpts = list(dict.fromkeys(r["ckpt_a"] for r in rows if r["measure"] == CENTROID))
    top = [p for p, present in (("lines", has_matched), ("cross", has_cross)) if present]
    ncols = max(len(top), len(ckpts), 1)
    nrows = int(bool(top)) + int(bool(ckpts))
    fig = plt.figure(figsize=(5.6 * ncols, 5.2 * max(nrows, 1)), layout="constrained")
    grid = fig.add_gridspec(max(nrows, 1), len(top) * len(ckpts) or ncols)
    width = (len(top) * len(ckpts) or ncols) // max(len(top), 1)
    for i, panel in enumerate(top):
        ax = fig.add_subplot(grid[0, i * width : (i + 1) * width])
        per_layer(ax, pairwise) if panel == "lines" else cross_layer(fig, ax, pairwise)
    cwidth = (len(top) * len(ckpts) or ncols) // max(len(ckpts), 1)
    for j, ck in enumerate(ckpts):
        ax = fig.add_subplot(grid[nrows - 1, j * cwidth : (j + 1) * cwidth])
        centroids(fig, ax, rows, ck)
    span = rows[0]["span"] if rows else "?"
    fig.suptitle(f"Representation similarity (span '{span}')", fontsize=11)
    return fig
