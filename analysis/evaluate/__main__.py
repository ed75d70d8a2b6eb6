"""``python -m analysis.evaluate --ckpt base,injection,ours``: the executed evaluation, from the shell.

A thin adapter: arguments → :class:`analysis.evaluate.EvalConfig` → :func:`analysis.evaluate.evaluate`
→ ``Result.save`` (``results/eval/<run-id>.json`` + ``.csv``) → the Markdown report → the table.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from analysis.evaluate.api import SUITES, EvalConfig, evaluate
from analysis.evaluate.report import format_table, write_markdown
from analysis.study_cli import check_out
from symbolscope.errors import run_cli


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments (every one is recorded in the result file's ``config``)."""
    p = argparse.ArgumentParser(prog="python -m analysis.evaluate", description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpt", default="", help="comma-separated aliases (labels with --predictions)")
    p.add_argument("--split", default="test", help="collection split (default: the held-out test split)")
    p.add_argument(
        "--per-family", type=int, default=20, help="samples per family and per delegation task (0 = all)"
    )
    p.add_argument("--tasks", default=",".join(SUITES), help=f"comma-separated suites: {', '.join(SUITES)}")
    p.add_argument(
        "--predictions", default="", help="comma-separated JSONL files of {id, prediction}: no model"
    )
    p.add_argument(
        "--max-new-tokens",
        type=int,
        default=128,
        help="longest answer (the longest gold output of the test split is 103 tokens)",
    )
    p.add_argument("--batch-tokens", type=int, default=6144, help="token budget per generation batch")
    p.add_argument(
        "--general-per-task", type=int, default=20, help="questions per MMLU topic and per BBH task (>= 1)"
    )
    p.add_argument("--mmlu-shots", type=int, default=5, help="MMLU shots, 0..5 (default 5, as the paper)")
    p.add_argument(
        "--bbh", default=None, help="BIG-Bench-Hard folder (a checkout or its bbh/); default [paths] bbh"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--job-seconds", type=float, default=5.0, help="sandbox time limit per program")
    p.add_argument(
        "--allow-unsandboxed",
        action="store_true",
        help="without bubblewrap, run generated code with process limits only (recorded as isolation)",
    )
    p.add_argument("--examples", type=int, default=3, help="generations per family in the Markdown report")
    p.add_argument("--out", default="results", help="results folder")
    p.add_argument("--no-progress", action="store_true")
    return p


def config_from(args: argparse.Namespace) -> EvalConfig:
    """The evaluation's typed config from parsed arguments."""
    return EvalConfig(
        split=args.split, per_family=args.per_family,
        tasks=tuple(t.strip() for t in args.tasks.split(",") if t.strip()),
        predictions=tuple(p.strip() for p in args.predictions.split(",") if p.strip()),
        max_new_tokens=args.max_new_tokens, batch_tokens=args.batch_tokens,
        general_per_task=args.general_per_task, mmlu_shots=args.mmlu_shots, bbh=args.bbh,
        seed=args.seed, job_seconds=args.job_seconds, examples=args.examples, progress=not args.no_progress,
        allow_unsandboxed=args.allow_unsandboxed,
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Evaluate, write results and the report, print the table and the time per suite."""
    from symbolcollection import load_split

    args = build_parser().parse_args(argv)
    cfg = config_from(args)
    if not cfg.predictions and not args.ckpt:
        args.ckpt = "base,ours"
    check_out(args.out, "eval")  # before generation and scoring, not after them
    result = evaluate(args.ckpt, config=cfg)
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
