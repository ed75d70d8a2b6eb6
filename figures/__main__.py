"""``python -m figures NAME|all [--results results/] [--out results/figures]``: redraw from result files."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the one place that picks a backend: files only, no display

import figures
from symbolscope.errors import UserError, run_cli
from symbolscope.paths import writable_dir
from symbolscope.results import Result

PLANNED = ("umap", "probes", "similarity", "training")
#: Row keys a figure cannot draw without (checked when its results file is read).
REQUIRE: dict[str, tuple[str, ...]] = {
    "align_uniform": ("ckpt", "layer", "family", "alignment", "uniformity"),
    "layers": ("ckpt", "layer", "family", "alignment", "uniformity"),
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
    writable_dir(Path(out), "--out")
    names = list(figures.REGISTRY) if args.name == "all" else [args.name]
    for name in names:
        result = Result.latest(args.results, figures.REGISTRY[name][0], require=REQUIRE.get(name, ()))
        if not result.rows:
            raise UserError(f"{result.path}: has no rows to draw; re-run the study")
        try:
            written = figures.draw_saved([name], result, out)
        except (KeyError, TypeError, ValueError, IndexError) as err:  # rows of the wrong shape
            raise UserError(
                f"{result.path}: its rows do not hold what figure '{name}' draws "
                f"({type(err).__name__}: {str(err)[:80]}); re-run the study"
            ) from None
        for path in written:
            print(f"{name}: {path}  (from {result.path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
