"""symbolscope figures: one module per figure, each a pure function ``Result -> matplotlib Figure``.

    import figures
    fig = figures.align_uniform(result)      # shown inline in a notebook
    figures.save(fig, "results/figures", "align_uniform")   # PNG + PDF

Figure functions neither choose a backend nor close the figure; ``python -m figures NAME|all``
(the only place that selects Agg) redraws them from ``results/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from figures.align_uniform import figure as align_uniform
from figures.common import save
from figures.layers import figure as layers
from figures.probes import figure as probes
from symbolscope.results import Result

#: figure name -> (the analysis whose results it reads, the figure function)
REGISTRY: dict[str, tuple[str, Any]] = {
    "align_uniform": ("uniformity", align_uniform),
    "layers": ("uniformity", layers),
    "probes": ("probes", probes),
}


def draw_saved(names: Sequence[str], result: Result, out: str | Path) -> list[Path]:
    """Draw each named figure from ``result``, save it (PNG + PDF) and close it; the files written."""
    import matplotlib.pyplot as plt

    written: list[Path] = []
    for name in names:
        fig = REGISTRY[name][1](result)
        try:
            written += save(fig, out, name)
        finally:
            plt.close(fig)
    return written


__all__ = ["REGISTRY", "align_uniform", "draw_saved", "layers", "probes", "save"]
