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

PLANNED = ("umap", "probes", "similarity", "training")


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
    for name in names:
        absent = [a for a in figures.sources(name) if not any((Path(args.results) / a).glob("*.json"))]
        if args.name == "all" and absent:  # 'all' draws what the results allow; a named figure insists
            print(f"{name}: skipped (no results in {', '.join(f'{args.results}/{a}/' for a in absent)})")
            continue
        results = {a: Result.latest(args.results, a) for a in figures.sources(name)}
        reads = figures.REGISTRY[name][0]
        arg = results[reads] if isinstance(reads, str) else results
        origin = ", ".join(str(r.path) for r in results.values())
        for written in figures.draw_saved([name], arg, out):
            print(f"{name}: {written}  (from {origin})")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
