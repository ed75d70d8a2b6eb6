"""``python -m figures NAME|all [--results results/] [--out results/figures]``: redraw from result files."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from figures import align_uniform, layers
from figures.common import latest_result, load_result, save_figure
from trainer.data.errors import UserError, run_cli

#: figure name -> (the analysis whose newest result it reads, the figure function)
REGISTRY: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
    "align_uniform": ("uniformity", align_uniform.figure),
    "layers": ("uniformity", layers.figure),
}
PLANNED = ("umap", "probes", "similarity", "training")


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate one figure or all of them; print the files written."""
    parser = argparse.ArgumentParser(prog="python -m figures", description=__doc__)
    parser.add_argument("name", help=f"one of {', '.join(REGISTRY)} or 'all'")
    parser.add_argument("--results", default="results", help="results folder (default: results)")
    parser.add_argument("--out", default=None, help="output folder (default: <results>/figures)")
    args = parser.parse_args(argv)
    if args.name != "all" and args.name not in REGISTRY:
        hint = " (planned, not built yet)" if args.name in PLANNED else ""
        raise UserError(f"unknown figure '{args.name}'{hint}; choose one of {', '.join(REGISTRY)} or 'all'")
    out = args.out or f"{args.results}/figures"
    names = list(REGISTRY) if args.name == "all" else [args.name]
    for name in names:
        analysis, draw = REGISTRY[name]
        path = latest_result(args.results, analysis)
        for written in save_figure(draw(load_result(path)), out, name):
            print(f"{name}: {written}  (from {path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
