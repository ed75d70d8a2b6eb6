"""``python -m figures NAME|all [--results results/] [--out results/figures]``: redraw from result files."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # the one place that picks a backend: files only, no display

import figures
from symbolscope.errors import UserError, run_cli
from symbolscope.results import Result

PLANNED = ("probes", "training")
#: The command that writes each analysis's results (named when they are missing).
MAKES = {
    "uniformity": "python -m analysis.uniformity --ckpt base,ours --layers all",
    "similarity": "python -m analysis.similarity --ckpt base,ours --cross-layer",
    "projection": "python -m analysis.projection --ckpt base,ours",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate one figure or all of them; print the files written."""
    parser = argparse.ArgumentParser(prog="python -m figures", description=__doc__)
    parser.add_argument("name", help=f"one of {', '.join(figures.REGISTRY)} or 'all'")
    parser.add_argument("--results", default="results", help="results folder (default: results)")
    parser.add_argument("--out", default=None, help="output folder (default: <results>/figures)")
    args = parser.parse_args(argv)
    if args.name != "all" and args.name not in figures.REGISTRY:
        hint = " (planned, not built yet)" if args.name in PLANNED else ""
        raise UserError(
            f"unknown figure '{args.name}'{hint}; choose one of {', '.join(figures.REGISTRY)} or 'all'"
        )
    out = args.out or f"{args.results}/figures"
    names = list(figures.REGISTRY) if args.name == "all" else [args.name]
    skipped: list[str] = []
    for name in names:
        analysis = figures.REGISTRY[name][0]
        try:
            result = Result.latest(args.results, analysis)
        except UserError as err:
            if "no result files" not in str(err):
                raise
            if args.name != "all":
                raise UserError(f"{err} ({MAKES.get(analysis, 'its study')} makes them)") from None
            skipped.append(f"{name} (make it with: {MAKES.get(analysis, 'its study')})")
            continue
        for written in figures.draw_saved([name], result, out):
            print(f"{name}: {written}  (from {result.path})")
    if skipped and len(skipped) == len(names):
        raise UserError(
            f"no result files in {args.results}/; run the studies first, e.g. {MAKES['uniformity']}"
        )
    for line in skipped:
        print(f"skipped {line}: no results in {args.results}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
