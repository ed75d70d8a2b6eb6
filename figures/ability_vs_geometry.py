"""Figure ``ability_vs_geometry``: per family, the change in executed ability from base to ours
against the change in its representation geometry, with Spearman's rho on each panel.

Draws the rows of ``results/ability_vs_geometry`` (``python -m analysis.ability_vs_geometry``,
which computes the per-family deltas, rho and its bootstrap interval): left panel Δalignment,
right panel Δuniformity (ours − base, lower = better geometry), y = Δability (ours − base, in
points); each panel's title is its ``rho`` row. Nothing is computed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from figures.common import family_order, rows_of
from figures.labels import place_labels
from figures.style import family_colour, styled
from symbolscope.errors import UserError
from symbolscope.results import Result


def _title(rho: Mapping[str, Any] | None) -> str:
    if rho is None:
        raise UserError("ability_vs_geometry: the result has no rho row for this panel; rerun the study")
    value = "n/a" if rho["rho"] is None else f"{rho['rho']:.2f}"
    ci = "n/a" if rho.get("rho_ci") is None else "[{:.2f}, {:.2f}]".format(*rho["rho_ci"])
    return f"Spearman ρ = {value}, 95% CI {ci}  (n = {rho['n']} families)"


@styled
def figure(result: Result | Mapping[str, Any]) -> Figure:
    """Two scatter panels from an ``ability_vs_geometry`` result."""
    rows = rows_of(result)
    order = family_order(result)
    pts = [r for r in rows if r["kind"] == "family"]
    rhos = {r["geometry"]: r for r in rows if r["kind"] == "rho"}
    if not rows:
        raise UserError("ability_vs_geometry: the result has no rows; rerun the study")
    base, ours, layer = rows[0]["base"], rows[0]["ours"], rows[0]["layer"]
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.4), sharey=True)
    y = np.array([p["d_ability"] for p in pts])
    for ax, name in zip(axes, ("alignment", "uniformity"), strict=True):
        x = np.array([p[f"d_{name}"] for p in pts])
        ax.scatter(x, y, s=28, c=[family_colour(p["family"], order) for p in pts], zorder=3)
        ax.set_title(_title(rhos.get(name)), fontsize=9)
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_xlabel(f"Δ{name} ({ours} − {base}; lower = better)")
        ax.grid(alpha=0.3)
        ax.margins(0.12)
        place_labels(ax, x, y, [p["family"] for p in pts])
    axes[0].set_ylabel(f"Δ execution-or-exact match ({ours} − {base}, points)")
    fig.suptitle(f"Ability change vs geometry change per family — layer {layer}", fontsize=10)

    fig.tight_layout()
    return fig
