"""Figure ``evaluate``: the paper's ability bars — Symbolic, General, Symbol+Delegation and their
average, one bar per checkpoint, the value written on each bar.

Reads ``results/evaluate``: a suite's score is the ``accuracy`` of its aggregate row (``suite`` in
``symbolic``/``general``/``delegation`` with ``family`` or ``task`` equal to ``"all"``), the
average is the row with ``suite == "average"``; error bars are the rows' ``accuracy_ci``. A suite
a checkpoint was not scored on is marked ``n/a``. Hollow grey marks to the right of each group are
the paper's published 7B scores (:mod:`figures.paper`), for reference only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from figures import paper
from figures.common import ckpt_order, rows_of
from figures.style import ckpt_colour, styled
from symbolscope.results import Result

#: (suite key in the rows, label on the axis), in the paper's order.
SUITES = (
    ("symbolic", "Symbolic"),
    ("general", "General"),
    ("delegation", "Symbol+Delegation"),
    ("average", "average"),
)


def suite_scores(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{ckpt: {suite: aggregate row}}`` for the rows that carry an ``accuracy``."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        aggregate = r.get("family") == "all" or r.get("task") == "all"
        if aggregate and r.get("accuracy") is not None and r.get("suite") in dict(SUITES):
            out.setdefault(r["ckpt"], {})[r["suite"]] = r
    return out


def _error(row: Mapping[str, Any]) -> tuple[float, float]:
    ci = row.get("accuracy_ci")
    if not ci or ci[0] is None or ci[1] is None:
        return (0.0, 0.0)
    return (100 * (row["accuracy"] - ci[0]), 100 * (ci[1] - row["accuracy"]))


def _paper_marks(ax: plt.Axes) -> None:
    """The paper's 7B scores as hollow grey marks just right of each suite's bars."""
    for m, (model, (_, scores)) in enumerate(paper.PAPER_7B.items()):
        xs = [g + 0.47 + 0.06 * (m - 1) for g, (suite, _) in enumerate(SUITES) if suite in scores]
        ys = [scores[suite] for suite, _ in SUITES if suite in scores]
        paper.mark(ax, model, xs, ys, size=26)


@styled
def figure(result: Result | dict[str, Any]) -> Figure:
    """Grouped bars (percent) from a ``results/evaluate`` result."""
    rows = rows_of(result)
    scores = suite_scores(rows)
    ckpts = [c for c in ckpt_order(rows) if c in scores]
    fig, ax = plt.subplots(figsize=(8.4, 4.4))
    width = 0.8 / max(1, len(ckpts))
    for i, ck in enumerate(ckpts):
        colour = ckpt_colour(ck)
        label: str | None = ck  # on the checkpoint's first bar only
        for g, (suite, _) in enumerate(SUITES):
            x = g - 0.4 + width * (i + 0.5)
            row = scores[ck].get(suite)
            if row is None:
                ax.text(x, 1, "n/a", ha="center", va="bottom", fontsize=7, rotation=90, color="0.4")
                continue
            value = 100 * row["accuracy"]
            lo, hi = _error(row)
            ax.bar(x, value, width * 0.92, color=colour, label=label)
            label = None
            ax.errorbar(x, value, yerr=[[lo], [hi]], fmt="none", ecolor="0.25", capsize=2, lw=0.8)
            ax.text(x, value + hi + 1, f"{value:.1f}", ha="center", va="bottom", fontsize=7)
    _paper_marks(ax)
    ax.set_xticks(range(len(SUITES)), [label for _, label in SUITES])
    ax.set_xlim(-0.6, len(SUITES) - 0.25)
    ax.set_ylabel("score (%)")
    ax.set_ylim(0, 110)
    ax.set_title("Ability per suite (95% intervals; hollow: the paper's published 7B scores)", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", ncols=2)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig
