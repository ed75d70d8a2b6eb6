"""Figure ``ability_vs_geometry``: per family, the change in executed ability from base to ours
against the change in its representation geometry, with Spearman's rho on each panel.

Reads two results: ``results/eval`` (per-family ``symbolic`` rows; ability = ``exec_match``
where the family executes, else ``exact_match``) and ``results/uniformity`` (per-family
``alignment`` and ``uniformity`` at the deepest integer layer, i.e. the last block). One point per
family present in both; left panel Δalignment, right panel Δuniformity (ours − base, lower =
better geometry), y = Δability (ours − base, in points). Spearman's rho (Pearson on average
ranks) with a 95% percentile bootstrap interval over families (2,000 resamples, seed 0;
resamples with a constant coordinate are skipped). The checkpoints are ``base`` and ``ours``
when present, else the first and last of the eval result; both results must hold the same
checkpoints (same fingerprints).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from figures.align_uniform import pick_layer
from figures.common import ckpt_order, family_order, rows_of
from figures.labels import place_labels
from figures.style import family_colour, styled
from symbolscope.errors import UserError
from symbolscope.results import Result

#: The analyses this figure reads, in the order the registry names them.
READS = ("eval", "uniformity")
N_BOOT = 2000


def _ranks(v: np.ndarray) -> np.ndarray:
    order = np.argsort(v, kind="mergesort")
    ranks = np.empty(len(v))
    ranks[order] = np.arange(1, len(v) + 1)
    for value in np.unique(v):  # ties share their average rank
        tied = v == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho of ``[n]`` and ``[n]`` (nan when either is constant or n < 2)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(_ranks(x), _ranks(y))[0, 1])


def spearman_ci(x: np.ndarray, y: np.ndarray, n_boot: int = N_BOOT, seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of :func:`spearman`, resampling the ``n`` pairs."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    idx = np.random.default_rng(seed).integers(0, len(x), size=(n_boot, len(x)))
    stats = np.array([spearman(x[i], y[i]) for i in idx])
    stats = stats[np.isfinite(stats)]
    if len(stats) == 0:
        return (float("nan"), float("nan"))
    lo, hi = np.percentile(stats, [2.5, 97.5])
    return (float(lo), float(hi))


def _ability(row: Mapping[str, Any]) -> float | None:
    value = row.get("exec_match")
    return value if value is not None else row.get("exact_match")


def _pair(ckpts: list[str]) -> tuple[str, str]:
    if "base" in ckpts and "ours" in ckpts:
        return "base", "ours"
    if len(ckpts) < 2:
        raise UserError(f"ability_vs_geometry needs two checkpoints in the eval result, found {ckpts}")
    return ckpts[0], ckpts[-1]


def _check_same_weights(ev: list[dict], geo: list[dict], names: tuple[str, str]) -> None:
    for ck in names:
        a = {r.get("fingerprint") for r in ev if r["ckpt"] == ck} - {None}
        b = {r.get("fingerprint") for r in geo if r["ckpt"] == ck} - {None}
        if a and b and a != b:
            raise UserError(
                f"ability_vs_geometry: checkpoint '{ck}' has fingerprint {sorted(a)[0]} in the eval "
                f"result but {sorted(b)[0]} in the uniformity result; rerun one of them"
            )


def deltas(
    eval_rows: list[dict[str, Any]], geo_rows: list[dict[str, Any]], layer: int | str | None = None
) -> tuple[list[dict[str, Any]], tuple[str, str], int | str]:
    """Per family ``{family, d_ability, d_alignment, d_uniformity}`` (ours − base), the pair of
    checkpoints and the layer used."""
    sym = [r for r in eval_rows if r.get("suite") == "symbolic" and r.get("family") not in (None, "all")]
    base, ours = _pair(ckpt_order(sym) if sym else ckpt_order(eval_rows))
    geo = [r for r in geo_rows if r.get("alignment") is not None and r.get("uniformity") is not None]
    _check_same_weights(eval_rows, geo, (base, ours))
    geo_pair = [r for r in geo if r["ckpt"] in (base, ours)]
    if not geo_pair:
        raise UserError(f"ability_vs_geometry: the uniformity result has no rows for '{base}' or '{ours}'")
    chosen = pick_layer(geo_pair, layer)
    g = {(r["ckpt"], r["family"]): r for r in geo_pair if r["layer"] == chosen and r["family"] != "all"}
    a = {(r["ckpt"], r["family"]): _ability(r) for r in sym}
    out = []
    for fam in sorted({f for _, f in a}):
        keys = [(base, fam), (ours, fam)]
        if all(k in g for k in keys) and all(a.get(k) is not None for k in keys):
            out.append({
                "family": fam,
                "d_ability": 100 * (a[(ours, fam)] - a[(base, fam)]),
                "d_alignment": g[(ours, fam)]["alignment"] - g[(base, fam)]["alignment"],
                "d_uniformity": g[(ours, fam)]["uniformity"] - g[(base, fam)]["uniformity"],
            })  # fmt: skip
    return out, (base, ours), chosen


@styled
def figure(results: Mapping[str, Result | dict[str, Any]], layer: int | str | None = None) -> Figure:
    """Two scatter panels from ``{"eval": Result, "uniformity": Result}``."""
    missing = [k for k in READS if k not in results]
    if missing:
        raise UserError(f"ability_vs_geometry needs the {' and '.join(missing)} result(s)")
    pts, (base, ours), chosen = deltas(rows_of(results["eval"]), rows_of(results["uniformity"]), layer)
    order = family_order(results["uniformity"])
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.4), sharey=True)
    y = np.array([p["d_ability"] for p in pts])
    for ax, key, name in zip(axes, ("d_alignment", "d_uniformity"), ("alignment", "uniformity"), strict=True):
        x = np.array([p[key] for p in pts])
        ax.scatter(x, y, s=28, c=[family_colour(p["family"], order) for p in pts], zorder=3)
        rho = spearman(x, y)
        lo, hi = spearman_ci(x, y)
        ax.set_title(
            f"Spearman ρ = {rho:.2f}, 95% CI [{lo:.2f}, {hi:.2f}]  (n = {len(pts)} families)", fontsize=9
        )
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_xlabel(f"Δ{name} ({ours} − {base}; lower = better)")
        ax.grid(alpha=0.3)
        ax.margins(0.12)
        place_labels(ax, x, y, [p["family"] for p in pts])
    axes[0].set_ylabel(f"Δ execution-or-exact match ({ours} − {base}, points)")
    fig.suptitle(f"Ability change vs geometry change per family — layer {chosen}", fontsize=10)

    fig.tight_layout()
    return fig
