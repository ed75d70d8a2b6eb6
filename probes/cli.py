"""``python -m probes --ckpt base,ours``: the probing study from the shell.

A thin adapter: arguments → :class:`probes.config.ProbeConfig` → :func:`probes.study.run` →
``Result.save`` → a table of the last layer → the ``probes`` figure.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from analysis.study_cli import (
    add_layers_arg,
    add_output_args,
    add_store_args,
    check_out,
    save_and_draw,
    study_parser,
)
from probes.config import ProbeConfig
from probes.study import results_readme, run
from symbolscope.io import atomic_write_text


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments (every one is recorded in the result file's ``config``)."""
    p = study_parser("python -m probes", __doc__)
    p.add_argument("--target", default="all", help="family | task | depth | valid | all (or a comma list)")
    add_layers_arg(p, "all")
    add_store_args(p, what="probe")
    p.add_argument("--folds", type=int, default=5, help="outer grouped stratified folds")
    p.add_argument("--seed", type=int, default=0, help="seed of folds, control labels and MDL order")
    p.add_argument(
        "--valid-split", default="analysis-valid", help="the corrupted twins of --split (valid target)"
    )
    p.add_argument(
        "--pca", default="none", help="PCA components after standardising (default none: every dimension)"
    )
    p.add_argument("--jobs", type=int, default=2, help="parallel workers over layers (-1 = every core)")
    p.add_argument("--no-control", action="store_true", help="skip the control tasks")
    p.add_argument("--no-surface", action="store_true", help="skip the bag-of-tokens surface baseline")
    p.add_argument("--no-mdl", action="store_true", help="skip the online-code description length")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_output_args(p, figure="the probes figure")
    return p


def config_from(args: argparse.Namespace) -> ProbeConfig:
    """The study's typed config from parsed arguments."""
    from symbolscope.errors import UserError

    pca: int | None
    if str(args.pca).lower() == "none":
        pca = None
    else:
        try:
            pca = int(args.pca)
        except ValueError:
            raise UserError(f"--pca must be a positive integer or none, got {args.pca!r}") from None
    return ProbeConfig(
        targets=args.target, layers=args.layers, span=args.span, pooling=args.pooling, folds=args.folds,
        seed=args.seed, split=args.split, valid_split=args.valid_split, pca=pca, n_jobs=args.jobs, control=not args.no_control,
        surface=not args.no_surface, mdl=not args.no_mdl, progress=not args.no_progress,
    )  # fmt: skip


def _fmt(value: Any, spec: str = ".3f") -> str:
    return "" if value is None else format(value, spec)


def format_table(rows: list[dict[str, Any]]) -> str:
    """Per ckpt × target at the deepest integer layer: accuracy [CI], control, selectivity,
    compression, and the surface baseline."""
    layers = [r["layer"] for r in rows if isinstance(r["layer"], int)]
    show = max(layers) if layers else None
    head = f"{'ckpt':<10} {'target':<7} {'acc':>6} {'95% CI':<15} {'f1':>6} {'control':>7} {'select':>7} {'compr':>6} {'surface':>7} {'n':>5}"
    lines = [f"layer {show}", head, "-" * len(head)]
    for r in rows:
        if r["kind"] != "probe" or r["layer"] != show:
            continue
        ci = r.get("accuracy_ci")
        cis = f"[{ci[0]:.3f},{ci[1]:.3f}]" if ci else ""
        lines.append(
            f"{r['ckpt']:<10} {r['target']:<7} {_fmt(r['accuracy']):>6} {cis:<15} {_fmt(r['macro_f1']):>6} "
            f"{_fmt(r['control_accuracy']):>7} {_fmt(r['selectivity'], '+.3f'):>7} {_fmt(r['compression'], '.2f'):>6} "
            f"{_fmt(r.get('baseline')):>7} {r['n']:>5}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the probes, write results + the figure, print the table at the deepest layer."""
    args = build_parser().parse_args(argv)
    config = config_from(args)
    config.check()
    figs = None if args.no_figures else ("probes",)
    check_out(args.out, "probes", figs, fixed=("README.md",))  # before the work, not after it
    result = run(args.ckpt, config=config)
    lines = [format_table(result.rows)]
    skipped = {a: s["depth_skipped"] for a, s in result.config["skipped"].items() if s["depth_skipped"]}
    for alias, fams in skipped.items():
        lines.append(f"depth skipped for {alias}: " + "; ".join(f"{f} ({why})" for f, why in fams.items()))
    json_path, _ = save_and_draw(result, args.out, figs, table="\n".join(lines))
    atomic_write_text(json_path.parent / "README.md", results_readme(), owned=True)
    return 0
