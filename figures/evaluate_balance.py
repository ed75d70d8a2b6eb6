"""Figure ``evaluate_balance``: the paper's scatter of general score (x) against symbolic score (y), one
labelled point per checkpoint with 95% intervals as error bars.

Reads ``results/evaluate`` (the suite aggregate rows, see :mod:`figures.evaluate`). The dashed
vertical line is the General suite's chance level (the mean over tasks of the rows' ``chance``)
when the per-task rows carry it: MMLU's 0.25 (BBH's exact-match tasks have no chance level). Hollow grey marks are the paper's published 7B scores
(:mod:`figures.paper`), for reference only.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from figures import paper
from figures.common import ckpt_order, rows_of
from figures.evaluate import suite_scores
from figures.labels import place_labels
from figures.style import ckpt_colour, styled
from symbolscope.results import Result


def _err(row: dict[str, Any]) -> list[list[float]]:
    ci = row.get("accuracy_ci") or [row["accuracy"], row["accuracy"]]
    return [[100 * (row["accuracy"] - ci[0])], [100 * (ci[1] - row["accuracy"])]]


def general_chance(rows: list[dict[str, Any]]) -> float | None:
    """Mean chance level over the General tasks of the first checkpoint (None if not given)."""
    ckpts = ckpt_order(rows)
    tasks = {
        r["task"]: r["chance"]
        for r in rows
        if ckpts
        and r["ckpt"] == ckpts[0]
        and r.get("suite") == "general"
        and r.get("task") != "all"
        and r.get("chance") is not None
    }
    return sum(tasks.values()) / len(tasks) if tasks else None


@styled
def figure(result: Result | dict[str, Any]) -> Figure:
    """Symbolic vs general score (percent) from a ``results/evaluate`` result."""
    rows = rows_of(result)
    scores = suite_scores(rows)
    fig, ax = plt.subplots(figsize=(5.6, 5.0))
    points: list[tuple[float, float, str]] = []
    for ck in (c for c in ckpt_order(rows) if c in scores):
        gen, sym = scores[ck].get("general"), scores[ck].get("symbolic")
        if gen is None or sym is None:
            continue
        colour = ckpt_colour(ck)
        x, y = 100 * gen["accuracy"], 100 * sym["accuracy"]
        ax.errorbar(x, y, xerr=_err(gen), yerr=_err(sym), fmt="o", ms=9, color=colour, capsize=3, label=ck)
        points.append((x, y, ck))
    for model, (_, ref) in paper.PAPER_7B.items():
        paper.mark(ax, model, [ref["general"]], [ref["symbolic"]], size=48)
    chance = general_chance(rows)
    if chance is not None:
        ax.axvline(100 * chance, ls="--", color="0.5", lw=1)
        ax.text(100 * chance, 99, " chance (multiple choice)", color="0.4", fontsize=7, va="top")
    ax.set_xlabel("General score (%)")
    ax.set_ylabel("Symbolic score (%)")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    if points:
        xs, ys, names = zip(*points, strict=True)
        place_labels(ax, xs, ys, names, fontsize=9)
    ax.set_title("Symbolic vs general ability (hollow: the paper's 7B)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig
