"""``python -m figures NAME|all [--results results/] [--out results/figures]``: redraw from result files."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

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
    "eval": "python -m analysis.evaluate --ckpt base,injection,ours",
    "probes": "python -m probes --ckpt base,ours",
    "training": "python -m trainer.report",
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
        absent = [a for a in figures.sources(name) if not any((Path(args.results) / a).glob("*.json"))]
        if absent:
            makes = "; ".join(MAKES.get(a, f"the '{a}' study") for a in absent)
            where = ", ".join(f"{args.results}/{a}/" for a in absent)
            if args.name != "all":  # a named figure insists
                raise UserError(f"{name}: no result files in {where}; make them with: {makes}")
            skipped.append(f"{name} (no results in {where}; make them with: {makes})")
            continue
        results = {a: Result.latest(args.results, a) for a in figures.sources(name)}
        reads = figures.REGISTRY[name][0]
        arg = results[reads] if isinstance(reads, str) else results
        origin = ", ".join(str(r.path) for r in results.values())
        for written in figures.draw_saved([name], arg, out):
            print(f"{name}: {written}  (from {origin})")
    if skipped and len(skipped) == len(names):
        raise UserError(
            f"no result files in {args.results}/; run the studies first, e.g. {MAKES['uniformity']}"
        )
    for line in skipped:
        print(f"skipped {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
