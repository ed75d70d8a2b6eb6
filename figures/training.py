"""Figure ``training``: both SFT stages' loss curves and their validation losses.

Reads a ``results/training`` result (``python -m trainer.report``; rows ``stage``, ``run``,
``step``, ``metric``, ``value``, ``role``, ``source``). Three panels for one run name:

- Injection, then Infusion: training loss per step (the run card's history), with the
  validation losses as markers (symbolic ●, general ■): the parent checkpoint's at step 0, then
  the periodic ones TensorBoard holds;
- validation loss on the held-out symbolic and general-NL sets, measured on each checkpoint in
  turn (``base`` before Injection, ``injection``, ``infusion`` = ``ours``): bars per role.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from figures.common import rows_of
from figures.style import ckpt_colour, styled
from symbolscope.results import Result

STAGES = ("injection", "infusion")
ROLE_ORDER = ("base", "injection", "infusion")
#: The checkpoint each stage starts from (its validation loss is drawn at step 0).
PARENT = {"injection": "base", "infusion": "injection"}
VAL_KINDS = (("symbolic", "o", ""), ("general", "s", "//"))


def pick_run(rows: list[dict[str, Any]], run: str | None = None) -> str:
    """``run`` if given, else the run name with an Infusion stage and the most rows."""
    names = sorted({r["run"] for r in rows})
    if run is not None:
        return run
    if not names:
        return "?"
    return max(
        names,
        key=lambda n: (
            any(r["run"] == n and r["stage"] == "infusion" for r in rows),
            sum(r["run"] == n for r in rows),
        ),
    )


def _series(rows: list[dict[str, Any]], stage: str, metric: str, source: str) -> tuple[list, list]:
    pts = sorted(
        (r["step"], r["value"])
        for r in rows
        if r["stage"] == stage and r["metric"] == metric and r["source"] == source and r["step"] is not None
    )
    return [p[0] for p in pts], [p[1] for p in pts]


def _stage_panel(ax: Axes, rows: list[dict[str, Any]], stage: str) -> None:
    colour = ckpt_colour(stage)
    steps, loss = _series(rows, stage, "train/loss", "card")
    if steps:
        (line,) = ax.plot(steps, loss, "-", color=colour, lw=1.4, label="train loss")
        line.set_gid(f"{stage}|train/loss")
    parent = PARENT[stage]
    for kind, marker, _ in VAL_KINDS:
        vs, vv = _series(rows, stage, f"val/{kind}", "tb")
        before = validation_table(rows).get(parent, {}).get(kind)
        if vs and before is not None:  # the parent's loss, measured before step 1
            vs, vv = [0, *vs], [before, *vv]
        if vs:
            (line,) = ax.plot(vs, vv, marker, ls=":", color=colour, mfc="white", ms=6, label=f"val {kind}")
            line.set_gid(f"{stage}|val/{kind}")
    name = "Injection (symbolic only)" if stage == "injection" else "Infusion (symbolic + general)"
    ax.set_title(name if steps else f"{name}: no run")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (response tokens)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if steps:  # below the panel: the curves end where a legend inside would sit
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)


def validation_table(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """``{role: {kind: loss}}`` from the cards' validation rows (Infusion's card wins a tie)."""
    table: dict[str, dict[str, float]] = {}
    for stage in STAGES:  # injection first, so the infusion card's values override
        for r in rows:
            if r["stage"] == stage and r["source"] == "card" and r["metric"].startswith("val/"):
                table.setdefault(r["role"], {})[r["metric"][4:]] = r["value"]
    return table


def _validation_panel(ax: Axes, rows: list[dict[str, Any]]) -> None:
    table = validation_table(rows)
    roles = [r for r in ROLE_ORDER if r in table] + sorted(set(table) - set(ROLE_ORDER))
    width = 0.38
    for j, (kind, _, hatch) in enumerate(VAL_KINDS):
        for i, role in enumerate(roles):
            if kind not in table[role]:
                continue
            value = table[role][kind]
            colour = ckpt_colour("ours" if role == "infusion" else role)
            x = i + (j - 0.5) * width
            bar = ax.bar(x, value, width, color=colour, hatch=hatch, edgecolor="white", alpha=0.9)
            bar.patches[0].set_gid(f"{role}|{kind}")
            ax.annotate(
                f"{value:.2f}",
                (x, value),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
            )
    ax.set_xticks(range(len(roles)), [("ours = infusion" if r == "infusion" else r) for r in roles])
    ax.set_xlabel("checkpoint validated")
    ax.set_ylabel("validation loss")
    ax.set_title("held-out validation: symbolic (solid), general NL (hatched)")
    top = max((v for d in table.values() for v in d.values()), default=1.0)
    ax.set_ylim(0, top * 1.15)


@styled
def figure(result: Result | dict[str, Any], run: str | None = None) -> Figure:
    """Loss curves of both stages and validation bars for one run name (default: see :func:`pick_run`)."""
    rows = rows_of(result)
    chosen = pick_run(rows, run)
    rows = [r for r in rows if r["run"] == chosen]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for ax, stage in zip(axes[:2], STAGES, strict=True):
        _stage_panel(ax, rows, stage)
    _validation_panel(axes[2], rows)
    fig.suptitle(f"Training — run '{chosen}' (loss on response tokens only)")
    return fig
