"""The Symbol-LLM paper's published 7B scores, drawn as reference marks beside a run's own.

From the project page's Overall figure (Xu et al., ACL 2024, arXiv 2311.09278), percent, per
suite: Symbolic, General (MMLU 5-shot and BBH 0-shot averaged), Symbol+Delegation, and their
average. They are published numbers for 7B models, not measured by this suite: the figures draw
them hollow and grey, labelled "paper".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from matplotlib.axes import Axes

SOURCE: Final = "Xu et al. 2024 (Symbol-LLM), project page, Overall figure: published 7B scores"

# fmt: off
#: model -> (marker, {suite: score in percent})
PAPER_7B: Final[dict[str, tuple[str, dict[str, float]]]] = {
    "LLaMA-2-Chat 7B":        ("o", {"symbolic": 22.59, "general": 40.40, "delegation": 16.71, "average": 26.57}),
    "Symbol-LLM-Base 7B":     ("s", {"symbolic": 73.02, "general": 37.76, "delegation": 49.54, "average": 53.44}),
    "Symbol-LLM-Instruct 7B": ("D", {"symbolic": 71.88, "general": 44.30, "delegation": 52.54, "average": 56.24}),
}
# fmt: on
COLOUR: Final = "0.3"


def label(model: str) -> str:
    """The legend text of a paper mark."""
    return f"paper: {model}"


def mark(ax: Axes, model: str, xs: Sequence[float], ys: Sequence[float], size: float) -> None:
    """Draw ``model``'s published scores at ``(xs, ys)`` as hollow grey marks, labelled for the legend."""
    marker = PAPER_7B[model][0]
    style = {"facecolors": "none", "edgecolors": COLOUR, "lw": 1.1, "zorder": 3}
    ax.scatter(xs, ys, marker=marker, s=size, label=label(model), **style)
