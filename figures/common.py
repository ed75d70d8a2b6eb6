"""What every figure module shares: row helpers and saving PNG + PDF (the look is in ``figures.style``).

No backend is chosen here (only ``python -m figures`` selects Agg), and nothing closes a figure,
so a notebook shows what a figure function returns.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from figures.rows import FIELDS, check_rows
from figures.style import OKABE_ITO
from symbolscope.io import save_figure
from symbolscope.results import Result

#: Checkpoint colours by position (kept for old callers; new figures use ``style.ckpt_colour(alias)``).
CKPT_COLOURS = OKABE_ITO


def rows_of(result: Result | Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of a :class:`~symbolscope.results.Result` (or of a results payload dict), checked
    against what the figures need of its analysis (:mod:`figures.rows`; one line if a row is bad)."""
    if isinstance(result, Result):
        rows, analysis, where = result.rows, result.analysis, str(result.path or result.analysis)
    else:
        rows, analysis = result["rows"], str(result.get("analysis", ""))
        where = analysis or "result"
    check_rows(rows, FIELDS.get(analysis, {}), where)
    return list(rows)


def config_of(result: Result | Mapping[str, Any]) -> dict[str, Any]:
    """The ``config`` of a :class:`~symbolscope.results.Result` (or of a results payload dict)."""
    return dict(result.config if isinstance(result, Result) else result.get("config", {}))


def family_order(result: Result | Mapping[str, Any]) -> tuple[str, ...]:
    """The family order a result records (``config["family_order"]``: the collection's order, which
    gives the colours); for a result without one, the families in the order they first appear in
    its rows (``all`` left out)."""
    recorded = config_of(result).get("family_order")
    if isinstance(recorded, list | tuple) and all(isinstance(f, str) for f in recorded):
        return tuple(recorded)
    rows = result.rows if isinstance(result, Result) else result.get("rows", [])
    seen = (r.get("family") for r in rows if isinstance(r, Mapping))
    return tuple(dict.fromkeys(f for f in seen if isinstance(f, str) and f != "all"))


def save(fig: Figure, out: str | os.PathLike[str], name: str) -> list[Path]:
    """Save ``fig`` as ``<out>/<name>.png`` (150 dpi) and ``.pdf`` atomically; the figure stays open."""
    return save_figure(fig, out, name)


def ckpt_order(rows: list[dict[str, Any]]) -> list[str]:
    """Checkpoint aliases in the order they first appear (the first is the comparison's baseline)."""
    seen: list[str] = []
    for r in rows:
        if r["ckpt"] not in seen:
            seen.append(r["ckpt"])
    return seen


def layer_key(layer: int | str) -> float:
    """Sort key placing ``final_norm`` after every integer layer."""
    return float("inf") if layer == "final_norm" else float(layer)


def ckpt_label(alias: str) -> str:
    """A checkpoint's name for a panel: the alias, or the last component of a path alias."""
    text = str(alias).rstrip("/")
    return text.rsplit("/", 1)[-1] if text.startswith(("/", ".", "~")) else text
