"""``python -m analysis.uniformity --ckpt base,ours``: the suite's headline study, from the shell.

A thin adapter: arguments → :class:`analysis.uniformity.Config` → :func:`analysis.uniformity.run`
→ ``Result.save`` → a checkpoint × family (concept) table (with the change from the first
checkpoint) → the ``uniformity`` and ``uniformity_layers`` figures (``--unit sample`` only).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from analysis.study_cli import add_output_args, check_out, save_and_draw, study_parser
from analysis.uniformity import ANALYSIS, SYMBOL_ANALYSIS, Config, run
from symbolscope.cli import options_from
from symbolscope.errors import run_cli

#: The figures the CLI draws from its result.
FIGURES = ("uniformity", "uniformity_layers")


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments: ``--ckpt``, the config's fields, ``--out``, ``--no-figures``."""
    p = study_parser("python -m analysis.uniformity", __doc__, Config)
    add_output_args(p, figure="the two figures")
    return p


def config_from(args: argparse.Namespace) -> Config:
    """The study's typed config from parsed arguments."""
    return options_from(Config, args)


def format_table(rows: list[dict[str, Any]], layer: int | str) -> str:
    """Checkpoint × family table at one layer, with Δ from the first checkpoint."""
    at = [
        {**r, "family": r.get("concept") or r["family"]}
        for r in rows
        if r["layer"] == layer and not r.get("skipped")
    ]
    ckpts = list(dict.fromkeys(r["ckpt"] for r in at))
    base = {r["family"]: r for r in at if r["ckpt"] == ckpts[0]} if ckpts else {}

    def ci(r: dict[str, Any], key: str) -> str:
        lo_hi = r.get(f"{key}_ci")
        return f"[{lo_hi[0]:.3f},{lo_hi[1]:.3f}]" if lo_hi else ""

    w = max([10] + [len(r["family"]) for r in at])  # concept names run longer than family names
    head = f"{'ckpt':<10} {'family':<{w}} {'n':>4} {'pairs':>5}  {'alignment':>9} {'95% CI':<15} {'Δ':>7}  "
    head += f"{'uniformity':>10} {'95% CI':<17} {'Δ':>7}"
    lines = [f"layer {layer}", head, "-" * len(head)]
    for ck in ckpts:
        mine = sorted((r for r in at if r["ckpt"] == ck), key=lambda r: (r["family"] == "all", r["family"]))
        for r in mine:
            b = base.get(r["family"])
            da = (
                ""
                if ck == ckpts[0] or b is None or r["alignment"] is None or b["alignment"] is None
                else f"{r['alignment'] - b['alignment']:+.3f}"
            )
            un = "" if r["uniformity"] is None else f"{r['uniformity']:.3f}"
            du = (
                ""
                if ck == ckpts[0] or b is None or not un or b["uniformity"] is None
                else f"{r['uniformity'] - b['uniformity']:+.3f}"
            )
            al = "" if r["alignment"] is None else f"{r['alignment']:.3f}"
            lines.append(
                f"{ck:<10} {r['family']:<{w}} {r['n']:>4} {r['n_pairs']:>5}  {al:>9} {ci(r, 'alignment'):<15} "
                f"{da:>7}  {un:>10} {ci(r, 'uniformity'):<17} {du:>7}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the study and write results + figures; print the table at the deepest layer."""
    args = build_parser().parse_args(argv)
    config = config_from(args)
    config.check()
    figs = None if args.no_figures or config.unit == "symbol" else FIGURES  # symbol rows: figure `symbols`
    check_out(args.out, SYMBOL_ANALYSIS if config.unit == "symbol" else ANALYSIS, figs)  # before the work
    result = run(args.ckpt, config=config)
    layers = [r["layer"] for r in result.rows]
    show = max((x for x in layers if x != "final_norm"), default=layers[0] if layers else "last")
    save_and_draw(result, args.out, figs, table=format_table(result.rows, show))
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
