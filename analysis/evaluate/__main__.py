"""``python -m analysis.evaluate --ckpt base,injection,ours``: the executed evaluation, from the shell.

A thin adapter: arguments → :class:`analysis.evaluate.Config` → :func:`analysis.evaluate.run`
→ ``Result.save`` (``results/evaluate/<run-id>.json`` + ``.csv``) → the Markdown report → the table.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from analysis.evaluate.api import ANALYSIS, Config, run
from analysis.evaluate.report import format_table, write_markdown
from analysis.study_cli import CKPTS, check_out
from symbolscope.cli import add_options, options_from
from symbolscope.errors import run_cli
from symbolscope.paths import RESULTS


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments: ``--ckpt``, the config's fields, ``--out``."""
    p = argparse.ArgumentParser(prog="python -m analysis.evaluate", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--ckpt", default="", help=f"comma-separated aliases (labels with --predictions) (default: {CKPTS})"
    )
    add_options(p, Config)
    p.add_argument("--out", default=RESULTS, help=f"results folder (default: {RESULTS})")
    return p


def config_from(args: argparse.Namespace) -> Config:
    """The evaluation's typed config from parsed arguments."""
    return options_from(Config, args)


def main(argv: Sequence[str] | None = None) -> int:
    """Evaluate, write results and the report, print the table and the time per suite."""
    from symbolcollection import load_split

    args = build_parser().parse_args(argv)
    cfg = config_from(args)
    if not cfg.predictions and not args.ckpt:
        args.ckpt = CKPTS
    check_out(args.out, ANALYSIS)  # before generation and scoring, not after them
    result = run(args.ckpt, config=cfg)
    json_path, csv_path = result.save(Path(args.out))
    samples = {s.id: s for s in load_split(cfg.split)}
    md = write_markdown(result, samples, args.out)
    print(format_table(result))
    for ck, facts in result.config["checkpoints"].items():
        times = ", ".join(f"{k[:-2]} {v:.1f} s" for k, v in facts.items() if k.endswith("_s"))
        print(f"time {ck}: {times}")
        for key in ("unknown_ids", "missing_ids"):
            if facts.get(key):
                print(f"{ck}: {len(facts[key])} {key.replace('_', ' ')}: {', '.join(facts[key][:10])}")
        if facts.get("general", "ok") != "ok":
            print(f"{ck}: general suite {facts['general']}")
    if result.config.get("sandbox_note"):
        print(result.config["sandbox_note"])
    print(f"\nresults: {json_path}\n         {csv_path}\nreport:  {md}")
    if result.items:
        print(f"items:   {json_path.with_suffix('.items.jsonl')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
