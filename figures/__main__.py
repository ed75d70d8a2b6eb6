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
from figures.common import rows_of
from symbolscope.errors import UserError, run_cli
from symbolscope.io import check_folder, check_replaceable
from symbolscope.paths import RESULTS, writable_dir
from symbolscope.results import Result, results_folder


def make_command(name: str) -> str:
    """The command that makes the results figure ``name`` reads (from its REGISTRY entry)."""
    entry = figures.REGISTRY[name]
    return entry[2] if len(entry) > 2 else f"the '{entry[0]}' study"


def missing_folders(results: Path, name: str) -> list[Path]:
    """The analysis folders of figure ``name`` under ``results`` that hold no results file."""
    folders = [results_folder(results, a) for a in figures.sources(name)]
    return [f for f in folders if not any(f.glob("*.json"))]


def _latest(results: Path, analysis: str) -> Result:
    """The result a figure reads: the newest file, or the newest per value (``LATEST_EACH``)."""
    key = figures.LATEST_EACH.get(analysis)
    return Result.latest_each(results, analysis, key) if key else Result.latest(results, analysis)


def draw(name: str, loaded: dict[str, Result], out: str) -> list[Path]:
    """Draw and save one figure; a result the figure cannot use is one line naming the file."""
    reads = figures.sources(name)
    for a in reads:
        res = loaded[a]
        if not res.rows:
            raise UserError(f"{res.path}: has no rows to draw; re-run the study")
    arg = loaded[reads[0]] if isinstance(figures.REGISTRY[name][0], str) else {a: loaded[a] for a in reads}
    try:
        return figures.draw_saved([name], arg, out)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
        files = ", ".join(str(loaded[a].path) for a in reads)
        raise UserError(
            f"{files}: cannot draw '{name}' from it ({type(err).__name__}: {err}); "
            f"is it a '{'+'.join(reads)}' result?"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate one figure or all of them; print the files written and what is missing."""
    parser = argparse.ArgumentParser(prog="python -m figures", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help=f"one of {', '.join(figures.REGISTRY)} or 'all'")
    parser.add_argument("--results", default=RESULTS, help=f"results folder (default: {RESULTS})")
    parser.add_argument("--out", default=None, help="output folder (default: <results>/figures)")
    args = parser.parse_args(argv)
    if args.name in figures.RENAMED:
        print(f"note: figure '{args.name}' is now called '{figures.RENAMED[args.name]}'")
        args.name = figures.RENAMED[args.name]
    if args.name != "all" and args.name not in figures.REGISTRY:
        raise UserError(f"unknown figure '{args.name}'; choose one of {', '.join(figures.REGISTRY)} or 'all'")
    results = Path(args.results)
    out = args.out or str(results / "figures")
    names = list(figures.REGISTRY) if args.name == "all" else [args.name]
    absent = {n: missing_folders(results, n) for n in names}
    ready = [n for n in names if not absent[n]]
    if args.name != "all" and absent[args.name]:
        raise UserError(
            f"no results for figure '{args.name}' in {', '.join(f'{p}/' for p in absent[args.name])}; "
            f"make them with: {make_command(args.name)}"
        )
    loaded = {a: _latest(results, a) for n in ready for a in figures.sources(n)}
    for res in loaded.values():
        rows_of(res)  # every row a figure reads checked (file, row, field) before anything is drawn
    if ready:
        check_folder(Path(out))  # never through a symlinked folder
        writable_dir(Path(out), "--out")  # checked once the results read, before anything is drawn
        for name in ready:  # a file of the user's under a figure's name: refused before any is drawn
            for ext in ("png", "pdf"):
                check_replaceable(Path(out) / f"{name}.{ext}")
    for name in ready:
        origin = ", ".join(str(loaded[a].path) for a in figures.sources(name))
        for written in draw(name, loaded, out):
            print(f"{name}: {written}  (from {origin})")
    for name in names:
        if absent[name]:
            where = ", ".join(f"{p}/" for p in absent[name])
            print(f"{name}: missing {where} — make it with: {make_command(name)}")
    if not ready:
        raise UserError(f"nothing to draw: no results in {results}/ for any figure (see the lines above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
