"""Figure ``projection``: one panel per checkpoint, every sample a point coloured by its symbol family.

From a ``results/projection`` result: the ``aligned`` fit (AlignedUMAP, so a sample sits in
about the same place in every panel) when the result has it, else the ``separate`` fits; the
deepest projected layer unless one is named.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from figures.common import ckpt_label, config_of, family_order, layer_key, rows_of
from figures.style import family_colour, family_marker, styled
from symbolscope.results import Result


def _label(layer: int | str) -> str:
    return "final norm" if layer == "final_norm" else str(layer)


@styled
def figure(result: Result | dict[str, Any], fit: str | None = None, layer: int | str | None = None) -> Figure:
    """Panels of 2-D UMAP coordinates per checkpoint (``fit``: aligned by default when present)."""
    rows = rows_of(result)
    order = family_order(result)
    fits = {r["fit"] for r in rows}
    fit = fit or ("aligned" if "aligned" in fits else "separate")
    rows = [r for r in rows if r["fit"] == fit]
    ckpts = list(dict.fromkeys(r["ckpt"] for r in rows))
    fig, axes = plt.subplots(
        1, max(len(ckpts), 1), figsize=(5.2 * max(len(ckpts), 1) + 1.8, 5.0), squeeze=False
    )
    for ax, ck in zip(axes[0], ckpts, strict=False):
        mine = [r for r in rows if r["ckpt"] == ck]
        at = layer if layer is not None else max({r["layer"] for r in mine}, key=layer_key)
        mine = [r for r in mine if r["layer"] == at]
        for fam in sorted({r["family"] for r in mine}):
            pts = [r for r in mine if r["family"] == fam]
            ax.scatter(
                [r["x"] for r in pts],
                [r["y"] for r in pts],
                s=7,
                color=family_colour(fam, order),
                marker=family_marker(fam, order),
                alpha=0.8,
                linewidths=0,
                label=fam,
                gid=f"{ck}:{fam}",
            )
        ax.set_title(f"{ckpt_label(ck)} — layer {_label(at)} ({len(mine)} samples)", fontsize=10)
        ax.set_xlabel("UMAP 1")
        ax.set_ylabel("UMAP 2")
        ax.set_aspect("equal", adjustable="datalim")
        ax.grid(alpha=0.2)
    fams = sorted({r["family"] for r in rows})
    handles = [
        plt.Line2D([], [], marker=family_marker(f, order), ls="", color=family_colour(f, order), label=f)
        for f in fams
    ]
    fig.legend(
        handles=handles,
        title="family",
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        fontsize=8,
        ncol=1 if len(handles) <= 20 else 2,
    )
    cfg = config_of(result)
    how = "aligned (AlignedUMAP, shared sample ids)" if fit == "aligned" else "fitted separately"
    fig.suptitle(
        f"UMAP of {cfg.get('span', '?')}-span vectors, {how}: PCA-{cfg.get('pca_dims', '?')}, cosine, "
        f"n_neighbors {cfg.get('n_neighbors', '?')}, min_dist {cfg.get('min_dist', '?')}",
        fontsize=10,
    )
    fig.tight_layout()
    return fig
