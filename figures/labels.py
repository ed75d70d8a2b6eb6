"""Point labels that do not overlap: each label goes to the lowest free slot above its point.

Greedy and deterministic (no optimiser, no extra package): points are visited left to right;
a label first tries the slot just above-right of its point, then slots stacked higher, each
joined to its point by a thin leader line, until its box (estimated from the font size and the
text length, in display units) overlaps no label placed before it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Annotation

Box = tuple[float, float, float, float]


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(
    ax: Axes, x: Sequence[float], y: Sequence[float], texts: Sequence[str], *, fontsize: float = 7.0
) -> list[Annotation]:
    """Annotate point ``i`` at (``x[i]``, ``y[i]``) with ``texts[i]`` without overlaps; returns
    the annotations in the order of ``texts``. Call after the data are drawn (limits final)."""
    ax.autoscale_view()
    dpi = ax.figure.dpi
    pts = ax.transData.transform(np.column_stack([np.asarray(x, float), np.asarray(y, float)]))
    px = dpi / 72.0  # pixels per point
    step = 1.25 * fontsize  # slot height in points
    placed: list[Box] = []
    slots: dict[int, int] = {}
    for i in sorted(range(len(texts)), key=lambda j: (pts[j][0], pts[j][1])):
        width, height = 0.62 * fontsize * len(texts[i]) * px, fontsize * 1.15 * px
        level = 0
        while True:
            left, bottom = pts[i][0] + 3 * px, pts[i][1] + (3 + level * step) * px
            box = (left, bottom, left + width, bottom + height)
            if not any(_overlaps(box, b) for b in placed) or level > 40:
                break
            level += 1
        placed.append(box)
        slots[i] = level
    out = []
    for i, text in enumerate(texts):
        level = slots[i]
        arrow = {"arrowstyle": "-", "color": "0.6", "lw": 0.5, "shrinkA": 0, "shrinkB": 2} if level else None
        where = {"xytext": (3, 3 + level * step), "textcoords": "offset points"}
        out.append(ax.annotate(text, (x[i], y[i]), fontsize=fontsize, arrowprops=arrow, va="bottom", **where))
    return out
