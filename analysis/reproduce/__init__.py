"""``python -m analysis.reproduce [--results results] [--train-config cpu-smollm] [--force STEP] [--dry-run]``.

The whole study on the embedded default, as ``make reproduce`` runs it from a fresh clone::

    collection → injection → infusion → extract → uniformity → probes → similarity → projection
               → evaluate → ability_vs_geometry → training report → figures

Each step is its own CLI run in a subprocess (``python -m MODULE ...``), so this orchestrator adds
no import dependency; a step whose module is not in this checkout is reported "not available".
:func:`plan` is the one table of every step's arguments (tune the budget there).

Skipping: a training stage is skipped when a finished run exists and resumed when an interrupted
one does (as before in the Makefile). Every other step is skipped when its **fingerprint** is
unchanged and its outputs exist: the fingerprint hashes the step's arguments, the source of every
project module its command may import (:func:`symbolscope.codehash.closure`, read from the import
graph, lazy imports included) and its inputs' fingerprints (the collection card, the checkpoints'
content fingerprints from ``python -m lm.checkpoints show X --json``, the run cards, the
result files). Fingerprints of finished steps live in ``<results>/reproduce-state.json`` (written
atomically after each step); the wall time of each step goes to ``<results>/reproduce.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.reproduce.runner import (
    PROJECT,
    REPO,
    STATE_FILE,
    Runner,
    available,
    code_fingerprint,
    read_state,
    training_pid,
    tree_fingerprint,
)
from analysis.reproduce.steps import CKPTS, GENERAL_PER_TASK, ReproduceConfig, Step, plan
from symbolscope.cli import add_options, options_from
from symbolscope.errors import UserError
from symbolscope.io import atomic_write_json
from symbolscope.paths import runs_dir

__all__ = [
    "CKPTS",
    "GENERAL_PER_TASK",
    "PROJECT",
    "REPO",
    "REPORT_FILE",
    "STATE_FILE",
    "ReproduceConfig",
    "Runner",
    "Step",
    "available",
    "build_parser",
    "code_fingerprint",
    "main",
    "plan",
    "progress_line",
    "read_state",
    "reproduce",
    "summary",
    "training_pid",
    "tree_fingerprint",
]

REPORT_FILE = "reproduce.json"


def reproduce(steps: Sequence[Step], runner: Runner) -> list[dict[str, Any]]:
    """Run ``steps`` in order; one progress line each; stop at the first failure. Rows per step."""
    state = read_state(runner.results / STATE_FILE)
    rows: list[dict[str, Any]] = []
    width = max(len(s.name) for s in steps)
    start = time.perf_counter()
    for i, step in enumerate(steps, 1):
        head = f"[{i:>2}/{len(steps)}] {step.name:<{width}}"
        runner.echo(progress_line(steps, i, time.perf_counter() - start, state))
        t0 = time.perf_counter()
        if not available(step.module):
            status, detail = "not available", f"module {step.module} is not in this checkout"
        else:
            runner.head = head
            if step.kind == "collection":
                status, detail = runner.run_collection(step)
            elif step.kind == "train":
                status, detail = runner.run_train(step)
            else:
                status, detail = runner.run_study(step, state)
        seconds = round(time.perf_counter() - t0, 2)
        runner.echo(f"{head}  {status} in {seconds:.1f} s" + (f" ({detail})" if detail else ""))
        if (
            status == "ran" and step.name in state
        ):  # remembered, so that a skipping run still says where time goes
            state[step.name]["seconds"] = seconds
            atomic_write_json(runner.results / STATE_FILE, state)
        last = seconds if status == "ran" else state.get(step.name, {}).get("seconds")
        rows.append(
            {
                "step": step.name,
                "status": status,
                "seconds": seconds,
                "last_ran_seconds": last,
                "detail": detail,
                "command": f"python -m {step.module} {' '.join(step.args)}",
            }
        )
        if status == "failed":
            break
    return rows


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def progress_line(steps: Sequence[Step], k: int, elapsed: float, state: dict[str, Any]) -> str:
    """The whole run's progress before step ``k`` (1-based): step k of n, elapsed wall time, and
    the time left estimated from the steps' last recorded times (those never timed are named)."""
    rest = steps[k - 1 :]
    known = [state.get(s.name, {}).get("seconds") for s in rest]
    left = sum(t for t in known if t is not None)
    unknown = [s.name for s, t in zip(rest, known, strict=True) if t is None]
    estimate = f"about {_clock(left)} left by the steps' last times"
    if unknown:
        estimate += f" (+ {', '.join(unknown)}: not timed yet)"
    return f"== step {k} of {len(steps)}: {steps[k - 1].name} | elapsed {_clock(elapsed)} | {estimate}"


def summary(rows: list[dict[str, Any]], results: Path, total: float) -> str:
    """The closing table: status and wall time per step, then where results and figures are."""

    def last(r: dict[str, Any]) -> str:
        return "" if r.get("last_ran_seconds") is None else f"{r['last_ran_seconds']:.1f}"

    w = max([12, *(len(r["step"]) for r in rows)])  # the step column fits the longest name
    lines = ["", f"{'step':<{w}} {'status':<14} {'seconds':>8} {'last run':>9}", "-" * (w + 34)]
    lines += [f"{r['step']:<{w}} {r['status']:<14} {r['seconds']:>8.1f} {last(r):>9}" for r in rows]
    lines += ["-" * (w + 34), f"{'total':<{w + 15}} {total:>8.1f}", ""]
    lines += [f"results: {results}/<analysis>/<run-id>.json|csv", f"figures: {results / 'figures'}/*.png|pdf"]
    lines += [f"times:   {results / REPORT_FILE}"]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments: the fields of :class:`ReproduceConfig`."""
    p = argparse.ArgumentParser(prog="python -m analysis.reproduce", description=__doc__.split("\n\n")[0])
    add_options(p, ReproduceConfig)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the whole study; exit 1 (or the step's own status) when a step fails."""
    args = options_from(ReproduceConfig, build_parser().parse_args(argv))
    steps = plan(args.results, args.train_config, args.ckpt)
    unknown = sorted(set(args.force) - {s.name for s in steps})
    if unknown:
        raise UserError(
            f"--force: unknown step(s) {', '.join(unknown)}; steps are {', '.join(s.name for s in steps)}"
        )
    results = Path(args.results)
    runner = Runner(results, force=args.force, dry_run=args.dry_run)
    t0 = time.perf_counter()
    rows = reproduce(steps, runner)
    total = time.perf_counter() - t0
    if not args.dry_run:
        atomic_write_json(
            results / REPORT_FILE,
            {
                "finished": datetime.now(UTC).isoformat(timespec="seconds"),
                "total_seconds": round(total, 2),
                "train_config": args.train_config,
                "ckpts": args.ckpt,
                "runs": str(runs_dir()),
                "steps": rows,
            },
        )
    print(summary(rows, results, total))
    failed = [r for r in rows if r["status"] == "failed"]
    if failed:
        print(
            f"error: step '{failed[0]['step']}' failed ({failed[0]['detail']}): {failed[0]['command']}",
            file=sys.stderr,
        )
        return 1
    return 0
