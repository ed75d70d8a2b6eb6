"""What every study CLI shares: the checkpoint/store arguments and the save → print → draw tail.

``python -m analysis.uniformity``, ``analysis.similarity``, ``analysis.projection`` and
``probes`` read the same stores and write results the same way; their common flags and their
last steps are defined once here so that they cannot drift apart. Every other flag is a field of
the study's config (:mod:`symbolscope.cli`), so the CLI's defaults are the library's.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from symbolscope.cli import add_options
from symbolscope.io import check_folder, check_replaceable
from symbolscope.paths import RESULTS, writable_dir
from symbolscope.results import Result

#: The checkpoints a study compares when ``--ckpt`` is not given (the first is the baseline).
CKPTS = "base,ours"


def study_parser(
    prog: str,
    doc: str | None,
    config_type: type,
    *,
    ckpt_help: str = "comma-separated aliases; the first is the baseline",
) -> argparse.ArgumentParser:
    """A parser named ``prog`` (described by the first paragraph of ``doc``) with ``--ckpt`` and
    one option per field of ``config_type`` (:func:`symbolscope.cli.add_options`)."""
    p = argparse.ArgumentParser(prog=prog, description=(doc or "").split("\n\n")[0])
    p.add_argument("--ckpt", default=CKPTS, help=f"{ckpt_help} (default: {CKPTS})")
    add_options(p, config_type)
    return p


def add_output_args(p: argparse.ArgumentParser, *, figure: str = "the figure") -> None:
    """``--out`` (results folder) and ``--no-figures``."""
    p.add_argument("--out", default=RESULTS, help=f"results folder (default: {RESULTS})")
    p.add_argument("--no-figures", action="store_true", help=f"skip drawing {figure}")


def check_out(
    out: str | Path, analysis: str, figure_names: Sequence[str] | None = (), fixed: Sequence[str] = ()
) -> Path:
    """Before any work: ``<out>/<analysis>`` (and ``<out>/figures`` when drawing) are real,
    writable folders and the fixed-name files a run replaces (``fixed`` in ``<out>/<analysis>``,
    the figures' PNG + PDF) are absent or the suite's own; else one :class:`UserError`.

    Every study CLI (and ``analysis.evaluate``) calls this first, so a bad ``--out`` costs nothing.
    """
    root = Path(out)
    folders = [root / analysis] + ([root / "figures"] if figure_names else [])
    for folder in folders:
        check_folder(folder)
        writable_dir(folder, "--out", create=False)  # a refused run leaves nothing, not even a folder
    for name in fixed:
        check_replaceable(root / analysis / name)
    for name in figure_names or ():
        for ext in ("png", "pdf"):
            check_replaceable(root / "figures" / f"{name}.{ext}")
    return root


def save_and_draw(
    result: Result, out: str, figure_names: tuple[str, ...] | None, *, table: str = ""
) -> tuple[Path, Path]:
    """Save ``result`` under ``out``, print ``table`` and where the files went, then draw
    ``figure_names`` (None: none) from the result just saved; returns the JSON and CSV paths."""
    json_path, csv_path = result.save(Path(out))
    if table:
        print(table)
    print(f"\nresults: {json_path}\n         {csv_path}")
    if figure_names:
        import figures

        figures.draw_and_list(figure_names, result, out)
    return json_path, csv_path
