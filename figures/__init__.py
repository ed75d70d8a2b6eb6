"""symbolscope figures: one module per figure, each a pure function ``Result -> matplotlib Figure``.

    import figures
    fig = figures.align_uniform(result)      # shown inline in a notebook
    figures.save(fig, "results/figures", "align_uniform")   # PNG + PDF

A figure that reads several analyses (``ability_vs_geometry``: ``eval`` and ``uniformity``) is
registered with a tuple of analysis names and takes ``{analysis: Result}``.

Figure functions neither choose a backend nor close the figure; ``python -m figures NAME|all``
(the only place that selects Agg) redraws them from ``results/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from figures.ability_vs_geometry import figure as ability_vs_geometry
from figures.align_uniform import figure as align_uniform
from figures.balance import figure as balance
from figures.common import save
from figures.layers import figure as layers
from figures.overall import figure as overall
from figures.similarity import figure as similarity
from figures.umap import figure as umap
from symbolscope.results import Result

#: figure name -> (the analysis whose results it reads, or a tuple of several, the figure function)
REGISTRY: dict[str, tuple[str | tuple[str, ...], Any]] = {
    "align_uniform": ("uniformity", align_uniform),
    "layers": ("uniformity", layers),
    "similarity": ("similarity", similarity),
    "umap": ("projection", umap),
    "overall": ("eval", overall),
    "balance": ("eval", balance),
    "ability_vs_geometry": (("eval", "uniformity"), ability_vs_geometry),
}


def sources(name: str) -> tuple[str, ...]:
    """The analyses figure ``name`` reads."""
    reads = REGISTRY[name][0]
    return (reads,) if isinstance(reads, str) else tuple(reads)


def draw_saved(names: Sequence[str], result: Result | Mapping[str, Result], out: str | Path) -> list[Path]:
    """Draw each named figure from ``result`` (or ``{analysis: Result}`` for a figure reading
    several analyses), save it (PNG + PDF) and close it; the files written."""
    import matplotlib.pyplot as plt

    written: list[Path] = []
    for name in names:
        reads = REGISTRY[name][0]
        arg = result[reads] if isinstance(result, Mapping) and isinstance(reads, str) else result
        fig = REGISTRY[name][1](arg)
        try:
            written += save(fig, out, name)
        finally:
            plt.close(fig)
    return written


__all__ = [
    "REGISTRY",
    "ability_vs_geometry",
    "align_uniform",
    "balance",
    "draw_saved",
    "layers",
    "overall",
    "save",
    "similarity",
    "sources",
    "umap",
]
