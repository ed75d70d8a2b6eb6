"""symbolscope figures: one module per figure, each a pure function ``Result -> matplotlib Figure``.

    import figures
    fig = figures.uniformity(result)      # shown inline in a notebook
    figures.save(fig, "results/figures", "uniformity")   # PNG + PDF

Figure functions neither choose a backend nor close the figure; ``python -m figures NAME|all``
(the only place that selects Agg) redraws them from ``results/``. Figures only draw: a statistic
they show (e.g. Spearman's rho of ``ability_vs_geometry``) is a row of the study's result. A
figure whose REGISTRY entry names several analyses takes ``{analysis: Result}``. Every figure
draws in the shared style of :mod:`figures.style` (one colour per family and per checkpoint).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from figures.ability_vs_geometry import figure as ability_vs_geometry
from figures.common import save
from figures.evaluate import figure as evaluate
from figures.evaluate_balance import figure as evaluate_balance
from figures.probes import figure as probes
from figures.projection import figure as projection
from figures.similarity import figure as similarity
from figures.style import ckpt_colour, family_colour, family_marker
from figures.symbols import READS as SYMBOL_READS
from figures.symbols import figure as symbols
from figures.training import figure as training
from figures.uniformity import figure as uniformity
from figures.uniformity_layers import figure as uniformity_layers
from symbolscope.results import Result

EVALUATE = "python -m analysis.evaluate --ckpt base,injection,ours"
#: figure name -> (the analysis folder it reads, or a tuple of several, the figure function, the command
#: that makes those results).
#: ``python -m figures`` names the command when the folder is empty (a 2-tuple gets a generic hint).
#: A study's main figure has the study's name.
REGISTRY: dict[str, tuple[Any, ...]] = {
    "uniformity": ("uniformity", uniformity, "python -m analysis.uniformity --ckpt base,ours"),
    "uniformity_layers": (
        "uniformity",
        uniformity_layers,
        "python -m analysis.uniformity --ckpt base,ours --layers all",
    ),
    "training": ("training", training, "python -m trainer.report --out results/"),
    "similarity": ("similarity", similarity, "python -m analysis.similarity --ckpt base,ours --cross-layer"),
    "projection": ("projection", projection, "python -m analysis.projection --ckpt base,ours"),
    "probes": ("probes", probes, "python -m probes --ckpt base,ours"),
    "evaluate": ("evaluate", evaluate, EVALUATE),
    "evaluate_balance": ("evaluate", evaluate_balance, EVALUATE),
    "ability_vs_geometry": (
        "ability_vs_geometry",
        ability_vs_geometry,
        f"{EVALUATE}, python -m analysis.uniformity, then python -m analysis.ability_vs_geometry",
    ),
    "symbols": (
        SYMBOL_READS,
        symbols,
        "python -m analysis.extract run --ckpt base,ours --symbols; python -m analysis.uniformity --unit "
        "symbol --pairs concept (and same-symbol); python -m probes --unit symbol --target concept; "
        "python -m analysis.concept_map",
    ),
}
#: analyses whose figure reads the newest result of each value of a config key, merged (the
#: symbol study writes one result per pairing into one folder).
LATEST_EACH = {"uniformity_symbols": "pairs"}


#: Old figure names (before 2026-12) -> new: ``python -m figures OLD`` draws NEW and says so;
#: ``figures.OLD`` is the new function with a DeprecationWarning, for one version.
RENAMED = {
    "align_uniform": "uniformity",
    "layers": "uniformity_layers",
    "umap": "projection",
    "overall": "evaluate",
    "balance": "evaluate_balance",
}


def __getattr__(name: str) -> Any:
    if name in RENAMED:
        warnings.warn(
            f"figures.{name} is now figures.{RENAMED[name]}; the old name goes in the next version",
            DeprecationWarning,
            stacklevel=2,
        )
        return REGISTRY[RENAMED[name]][1]
    raise AttributeError(f"module 'figures' has no attribute {name!r}")


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
    "LATEST_EACH",
    "REGISTRY",
    "RENAMED",
    "ability_vs_geometry",
    "ckpt_colour",
    "draw_and_list",
    "draw_saved",
    "evaluate",
    "evaluate_balance",
    "family_colour",
    "family_marker",
    "probes",
    "projection",
    "save",
    "similarity",
    "sources",
    "symbols",
    "training",
    "uniformity",
    "uniformity_layers",
]
