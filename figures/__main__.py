"""``python -m figures all|NAME [--results results/] [--out results/figures]``: redraw from result files.

Every figure is drawn from the newest ``<results>/<analysis>/*.json`` alone (no model is
loaded). A figure whose results are missing gets one line naming the command that makes them:
for ``NAME`` that is an error (exit 2); ``all`` draws what exists, names what is missing, and
exits 2 only when nothing at all could be drawn. A malformed results file is an error (exit 2)
before anything is drawn.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the one place that picks a backend: files only, no display

import figures
from symbolscope.errors import UserError, run_cli
from symbolscope.results import Result


def make_command(name: str) -> str:
    """The command that makes the results figure ``name`` reads (from its REGISTRY entry)."""
    entry = figures.REGISTRY[name]
    return entry[2] if len(entry) > 2 else f"the '{entry[0]}' study"


def has_results(results: Path, analysis: str) -> bool:
    """Whether ``<results>/<analysis>/`` holds at least one results file."""
    folder = results / analysis
    return folder.is_dir() and any(folder.glob("*.json"))


def draw(name: str, result: Result, out: str) -> list[Path]:
    """Draw and save one figure; a result the figure cannot use is one line naming the file."""
    try:
        return figures.draw_saved([name], result, out)
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise UserError(
            f"{result.path}: cannot draw '{name}' from it ({type(err).__name__}: {err}); "
            f"is it a '{figures.REGISTRY[name][0]}' result?"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate one figure or all of them; print the files written and what is missing."""
    parser = argparse.ArgumentParser(prog="python -m figures", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help=f"one of {', '.join(figures.REGISTRY)} or 'all'")
    parser.add_argument("--results", default="results", help="results folder (default: results)")
    parser.add_argument("--out", default=None, help="output folder (default: <results>/figures)")
    args = parser.parse_args(argv)
    if args.name != "all" and args.name not in figures.REGISTRY:
        raise UserError(f"unknown figure '{args.name}'; choose one of {', '.join(figures.REGISTRY)} or 'all'")
    results = Path(args.results)
    out = args.out or str(results / "figures")
    names = list(figures.REGISTRY) if args.name == "all" else [args.name]
    ready = [n for n in names if has_results(results, figures.REGISTRY[n][0])]
    missing = [n for n in names if n not in ready]
    if args.name != "all" and missing:
        raise UserError(
            f"no results for figure '{args.name}' in {results / figures.REGISTRY[args.name][0]}/; "
            f"make them with: {make_command(args.name)}"
        )
    loaded = {a: Result.latest(results, a) for a in dict.fromkeys(figures.REGISTRY[n][0] for n in ready)}
    for name in ready:
        result = loaded[figures.REGISTRY[name][0]]
        for written in draw(name, result, out):
            print(f"{name}: {written}  (from {result.path})")
    for name in missing:
        print(f"{name}: missing {results / figures.REGISTRY[name][0]}/ — make it with: {make_command(name)}")
    if not ready:
        raise UserError(f"nothing to draw: no results in {results}/ for any figure (see the lines above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
