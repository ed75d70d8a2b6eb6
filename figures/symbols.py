"""Figure ``symbols``: the symbol-level study on one page.

Top left: per layer, the alignment of symbol occurrences (lower = closer positives) for the
``concept`` pairing (occurrences of different families' symbols of one concept) and the
``same-symbol`` pairing (one symbol in different samples), one colour per checkpoint, shaded by
the bootstrap interval over samples (``results/uniformity_symbols``, the ``all`` rows). Top right:
leave-one-family-out concept transfer per layer (the mean over held-out families, with its
interval across families) against chance and the token-surface transfer
(``results/symbol_probes``). Bottom: the concept × family matrix of the concept map's ``gap`` at
the deepest symbol layer every checkpoint has, for the first and last checkpoint and their
difference (``results/concept_map``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from figures.common import ckpt_label, ckpt_order, layer_key, rows_of
from figures.style import ckpt_colour, styled
from symbolscope.results import Result

#: The analyses the figure reads (``figures.REGISTRY``).
READS = ("uniformity_symbols", "symbol_probes", "concept_map")
_PAIRS = {"concept": ("-", "concept pairs"), "same-symbol": (":", "same-symbol pairs")}


def _layer_x(layer: Any) -> float:
    return layer_key(layer)


def _layer_ticks(ax: Axes, rows: list[dict[str, Any]]) -> None:
    layers = sorted({r["layer"] for r in rows}, key=_layer_x)
    ax.set_xticks([_layer_x(k) for k in layers], ["norm" if k == "final_norm" else str(k) for k in layers])


def _alignment(ax: Axes, rows: list[dict[str, Any]]) -> None:
    rows = [r for r in rows if r["family"] == "all" and r.get("alignment") is not None]
    for ck in ckpt_order(rows):
        for pairs, (style, label) in _PAIRS.items():
            mine = sorted(
                (r for r in rows if r["ckpt"] == ck and r["pairs"] == pairs),
                key=lambda r: _layer_x(r["layer"]),
            )
            if not mine:
                continue
            xs = [_layer_x(r["layer"]) for r in mine]
            ax.plot(
                xs,
                [r["alignment"] for r in mine],
                style,
                marker="o",
                ms=3,
                color=ckpt_colour(ck),
                label=f"{ckpt_label(ck)}: {label}",
            )
            if all(r.get("alignment_ci") for r in mine):
                lo, hi = zip(*(r["alignment_ci"] for r in mine), strict=True)
                ax.fill_between(xs, lo, hi, color=ckpt_colour(ck), alpha=0.15, linewidth=0)
    _layer_ticks(ax, rows)
    ax.set_xlabel("layer (0 = embeddings)")
    ax.set_ylabel("alignment (lower = closer positives)")
    ax.set_title("Symbol alignment: one concept across formalisms vs one symbol across contexts", fontsize=9)
    ax.legend(fontsize=7)


def _transfer(ax: Axes, rows: list[dict[str, Any]]) -> None:
    mean = [
        r
        for r in rows
        if r["kind"] == "concept_transfer" and not r.get("held_out") and r["layer"] is not None
    ]
    for ck in ckpt_order(mean):
        mine = sorted((r for r in mean if r["ckpt"] == ck), key=lambda r: _layer_x(r["layer"]))
        xs = [_layer_x(r["layer"]) for r in mine]
        ax.plot(xs, [r["accuracy"] for r in mine], "-o", ms=3, color=ckpt_colour(ck), label=ckpt_label(ck))
        if all(r.get("accuracy_ci") for r in mine):
            lo, hi = zip(*(r["accuracy_ci"] for r in mine), strict=True)
            ax.fill_between(xs, lo, hi, color=ckpt_colour(ck), alpha=0.15, linewidth=0)
    if mean:
        ax.axhline(
            float(np.mean([r["chance"] for r in mean])), color="0.4", ls="--", lw=1, label="chance (majority)"
        )
    surface = [r for r in rows if r["kind"] == "surface_transfer" and not r.get("held_out")]
    if surface:
        ax.axhline(surface[0]["accuracy"], color="0.6", ls=":", lw=1.2, label="token surface")
    ax.set_ylim(0, 1)
    _layer_ticks(ax, mean)
    ax.set_xlabel("layer (0 = embeddings)")
    ax.set_ylabel("accuracy on the held-out family")
    ax.set_title("Concept probe trained on other families (mean over held-out families)", fontsize=9)
    ax.legend(fontsize=7)


def _common_layer(rows: list[dict[str, Any]], ckpts: list[str]) -> Any:
    have = [{r["layer"] for r in rows if r["ckpt"] == ck} for ck in ckpts]
    common = set.intersection(*have) if have else set()
    return max(common, key=_layer_x) if common else None


def _matrix(
    rows: list[dict[str, Any]], ck: str, layer: Any, concepts: list[str], fams: list[str]
) -> np.ndarray:
    grid = np.full((len(concepts), len(fams)), np.nan)
    for r in rows:
        if r["ckpt"] == ck and r["layer"] == layer:
            grid[concepts.index(r["concept"]), fams.index(r["family"])] = r["gap"]
    return grid


def _concept_maps(fig: Figure, axes: list[Axes], rows: list[dict[str, Any]]) -> None:
    ckpts = ckpt_order(rows)
    first, last = ckpts[0], ckpts[-1]
    layer = _common_layer(rows, [first, last])
    concepts = sorted({r["concept"] for r in rows})
    fams = sorted({r["family"] for r in rows})
    grids = [_matrix(rows, ck, layer, concepts, fams) for ck in (first, last)]
    shared = max(
        0.05, float(np.nanmax(np.abs(np.stack(grids)))) if np.isfinite(np.stack(grids)).any() else 0.05
    )
    panels = [
        (grids[0], ckpt_label(first)),
        (grids[1], ckpt_label(last)),
        (grids[1] - grids[0], f"{ckpt_label(last)} − {ckpt_label(first)}"),
    ]
    for k, (ax, (grid, title)) in enumerate(zip(axes, panels, strict=True)):
        diff = max(0.05, float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 0.05)
        lim = shared if k < 2 else diff  # the two checkpoints on one scale, the difference on its own
        im = ax.imshow(grid, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        ax.set_xticks(range(len(fams)), fams, rotation=70, fontsize=6)
        ax.set_yticks(range(len(concepts)), concepts if ax is axes[0] else [""] * len(concepts), fontsize=6)
        ax.set_title(f"{title}, layer {layer}", fontsize=8)
        fig.colorbar(im, ax=ax, shrink=0.8, label="gap" if ax is axes[-1] else None)
    axes[0].set_ylabel("concept (gap: same concept, other spelling − other concepts)", fontsize=7)


@styled
def figure(results: Mapping[str, Result | dict[str, Any]]) -> Figure:
    """The one-page figure from ``{"uniformity_symbols": …, "symbol_probes": …, "concept_map": …}``."""
    fig = plt.figure(figsize=(12, 9.5), layout="constrained")  # colour bars: not tight_layout
    grid = fig.add_gridspec(2, 3, height_ratios=(1, 1.15))
    _alignment(fig.add_subplot(grid[0, :2]), rows_of(results["uniformity_symbols"]))
    _transfer(fig.add_subplot(grid[0, 2]), rows_of(results["symbol_probes"]))
    _concept_maps(fig, [fig.add_subplot(grid[1, k]) for k in range(3)], rows_of(results["concept_map"]))
    fig.suptitle("Symbols across formalisms: alignment, concept transfer and the concept map")
    return fig
