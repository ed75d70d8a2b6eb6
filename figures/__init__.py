"""symbolscope figures: one module per figure, each a pure function ``Result -> matplotlib Figure``.

    import figures
    fig = figures.align_uniform(result)      # shown inline in a notebook
    figures.save(fig, "results/figures", "align_uniform")   # PNG + PDF

Figure functions neither choose a backend nor close the figure; ``python -m figures NAME|all``
(the only place that selects Agg) redraws them from ``results/``. Figures only draw: a statistic
they show (e.g. Spearman's rho of ``ability_vs_geometry``) is a row of the study's result. A
figure whose REGISTRY entry names several analyses takes ``{analysis: Result}``. Every figure
draws in the shared style of :mod:`figures.style` (one colour per family and per checkpoint).
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
from figures.probes import figure as probes
from figures.similarity import figure as similarity
from figures.style import ckpt_colour, family_colour, family_marker
from figures.training import figure as training
from figures.umap import figure as umap
from symbolscope.results import Result

EVALUATE = "python -m analysis.evaluate --ckpt base,injection,ours"
#: figure name -> (the analysis folder it reads, or a tuple of several, the figure function, the command
#: that makes those results).
#: ``python -m figures`` names the command when the folder is empty (a 2-tuple gets a generic hint).
REGISTRY: dict[str, tuple[Any, ...]] = {
    "align_uniform": ("uniformity", align_uniform, "python -m analysis.uniformity --ckpt base,ours"),
    "layers": ("uniformity", layers, "python -m analysis.uniformity --ckpt base,ours --layers all"),
    "training": ("training", training, "python -m trainer.report --out results/"),
    "similarity": ("similarity", similarity, "python -m analysis.similarity --ckpt base,ours --cross-layer"),
    "umap": ("projection", umap, "python -m analysis.projection --ckpt base,ours"),
    "probes": ("probes", probes, "python -m probes --ckpt base,ours"),
    "overall": ("eval", overall, EVALUATE),
    "balance": ("eval", balance, EVALUATE),
    "ability_vs_geometry": (
        "ability_vs_geometry",
        ability_vs_geometry,
        f"{EVALUATE}, python -m analysis.uniformity, then python -m analysis.ability_vs_geometry",
    ),
}


def sources(name: str) -> tuple[str, ...]:
    """The analyses figure ``name`` reads (its entry names one, or a tuple of several)."""
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


def draw_and_list(names: Sequence[str], result: Result, results_dir: str | Path) -> None:
    """What a study's CLI does after saving: draw its figures into ``<results_dir>/figures`` and
    print one ``figure:`` line per file written."""
    for written in draw_saved(names, result, Path(results_dir) / "figures"):
        print(f"figure:  {written}")


__all__ = [
    "REGISTRY", "ability_vs_geometry", "align_uniform", "balance", "ckpt_colour", "draw_and_list", "draw_saved",
    "family_colour", "family_marker", "layers", "overall", "probes", "save", "similarity", "sources", "training", "umap",
]  # fmt: skip
