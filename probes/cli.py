"""``python -m probes --ckpt base,ours``: the probing study from the shell.

A thin adapter: arguments → :class:`probes.config.Config` → :func:`probes.study.run` →
``Result.save`` → a table of the last layer → the ``probes`` figure.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from analysis.study_cli import add_output_args, check_out, save_and_draw, study_parser
from probes.config import Config
from probes.study import ANALYSIS, SYMBOL_ANALYSIS, results_readme, run
from symbolscope.cli import options_from
from symbolscope.io import atomic_write_text


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments: ``--ckpt``, the config's fields, ``--out``, ``--no-figures``."""
    p = study_parser("python -m probes", __doc__, Config)
    add_output_args(p, figure="the probes figure")
    return p


def config_from(args: argparse.Namespace) -> Config:
    """The study's typed config from parsed arguments."""
    return options_from(Config, args)


def _fmt(value: Any, spec: str = ".3f") -> str:
    return "" if value is None else format(value, spec)


def format_table(rows: list[dict[str, Any]]) -> str:
    """Per ckpt × target at the deepest integer layer: accuracy [CI], control, selectivity,
    compression, and the surface baseline."""
    layers = [r["layer"] for r in rows if isinstance(r["layer"], int)]
    show = max(layers) if layers else None
    head = f"{'ckpt':<10} {'target':<13} {'acc':>6} {'95% CI':<15} {'f1':>6} {'control':>7} {'select':>7} {'compr':>6} {'surface':>7} {'n':>5}"
    lines = [f"layer {show}", head, "-" * len(head)]
    for r in rows:
        if r["kind"] != "probe" or r["layer"] != show:
            continue
        ci = r.get("accuracy_ci")
        cis = f"[{ci[0]:.3f},{ci[1]:.3f}]" if ci else ""
        lines.append(
            f"{r['ckpt']:<10} {r['target']:<13} {_fmt(r['accuracy']):>6} {cis:<15} {_fmt(r['macro_f1']):>6} "
            f"{_fmt(r['control_accuracy']):>7} {_fmt(r['selectivity'], '+.3f'):>7} {_fmt(r['compression'], '.2f'):>6} "
            f"{_fmt(r.get('baseline')):>7} {r['n']:>5}"
        )
    return "\n".join(lines)


def format_transfer(rows: list[dict[str, Any]]) -> str:
    """Per ckpt at the deepest integer layer: the concept transfer to each held-out family and its
    mean, beside chance and the surface's transfer (empty without transfer rows)."""
    rows = [r for r in rows if r["kind"] == "concept_transfer"]
    if not rows:
        return ""
    show = max(r["layer"] for r in rows if isinstance(r["layer"], int))
    head = f"{'ckpt':<10} {'held out':<12} {'acc':>6} {'chance':>6} {'surface':>7} {'n_test':>6}"
    lines = [f"concept transfer, layer {show}", head, "-" * len(head)]
    for r in rows:
        if r["layer"] == show:
            lines.append(
                f"{r['ckpt']:<10} {r['held_out'] or 'mean':<12} {_fmt(r['accuracy']):>6} "
                f"{_fmt(r['chance']):>6} {_fmt(r.get('baseline')):>7} {r['n_test']:>6}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the probes, write results + the figure, print the table at the deepest layer."""
    args = build_parser().parse_args(argv)
    config = config_from(args)
    config.check()
    # the symbol unit's rows are drawn by the ``symbols`` figure, not the ``probes`` one
    figs = None if args.no_figures or config.unit == "symbol" else ("probes",)
    analysis = SYMBOL_ANALYSIS if config.unit == "symbol" else ANALYSIS
    check_out(args.out, analysis, figs, fixed=("README.md",))  # before the work, not after it
    result = run(args.ckpt, config=config)
    lines = [format_table(result.rows), format_transfer(result.rows)]
    skipped = {a: s["depth_skipped"] for a, s in result.config["skipped"].items() if s.get("depth_skipped")}
    for alias, fams in skipped.items():
        lines.append(f"depth skipped for {alias}: " + "; ".join(f"{f} ({why})" for f, why in fams.items()))
    json_path, _ = save_and_draw(result, args.out, figs, table="\n".join(lines))
    atomic_write_text(json_path.parent / "README.md", results_readme(), owned=True)
    return 0
