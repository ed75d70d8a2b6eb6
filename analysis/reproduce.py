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
import hashlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from symbolscope import codehash
from symbolscope.cli import add_options, option, options_from
from symbolscope.errors import UserError, run_cli
from symbolscope.io import atomic_write_json, sha256_file
from symbolscope.paths import RESULTS, runs_dir
from symbolscope.reading import read_json

REPO = codehash.REPO
PROJECT = codehash.root_packages(REPO)
STATE_FILE = "reproduce-state.json"
REPORT_FILE = "reproduce.json"
#: Checkpoints compared by the studies (the first is the baseline).
CKPTS = "base,injection,ours"
#: MMLU questions per topic in the evaluate step (57 topics, 5-shot), sized so that the General
#: suite stays under 5 minutes for 3 checkpoints of SmolLM2-135M on 2 quiet cores. Measured on
#: ``base`` (2026-12-06, CPU seconds of one thread, so contention from other jobs does not count):
#: the 57 topics' shots (28.3k tokens) 74 s, each further question per topic 27.4 s (57 questions,
#: 0.48 s each: 2.1 items/s), the held-out NL loss 9.2 s; i.e. 0.56 items/s at 1 per topic and
#: 1.10 items/s at 3. Three checkpoints at 1 per topic: 332 CPU s, ~250 s wall at the ~500
#: tokens/s of 2 cores (1.3x one thread); at 2 per topic 414 CPU s, ~315 s: over the budget.
GENERAL_PER_TASK = 1


@dataclass(frozen=True)
class Step:
    """One step: ``python -m module *args``; ``kind`` is ``collection``, ``train`` or ``study``.

    ``inputs``: ``collection``, ``ckpt:ALIAS``, ``runs``, ``results`` (every result file),
    ``results:A,B`` (those of analyses A and B) or ``file:PATH``;
    ``outputs``: globs under the results folder that must exist for a skip. The code a step runs
    is read from its module's imports (:func:`code_fingerprint`).
    """

    name: str
    module: str
    args: tuple[str, ...] = ()
    kind: str = "study"
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReproduceConfig:
    """What ``make reproduce`` runs: where results go, the trainer config of both stages, the
    checkpoints the studies compare, the steps forced to rerun, and whether only to plan."""

    results: str = option(RESULTS, "results folder")
    train_config: str = option("cpu-smollm", "trainer config of both stages")
    ckpt: str = option(CKPTS, "checkpoints the studies compare (first = baseline)")
    force: tuple[str, ...] = option((), "comma list of steps to run even if unchanged")
    dry_run: bool = option(False, "say what would run; run only the collection check")


_DEFAULT = ReproduceConfig()


def plan(
    results: str = _DEFAULT.results, train_config: str = _DEFAULT.train_config, ckpts: str = _DEFAULT.ckpt
) -> list[Step]:
    """THE table: every step of ``make reproduce`` with its arguments (tune the budget here)."""
    r = results
    on = tuple(f"ckpt:{c}" for c in ckpts.split(","))
    pair = "base,ours"
    return [
        Step("collection", "symbolcollection", ("build",), kind="collection"),
        Step("injection", "trainer", ("injection", "--config", train_config), kind="train"),
        Step("infusion", "trainer", ("infusion", "--config", train_config), kind="train"),
        Step(
            "extract",
            "analysis.extract",
            ("--ckpt", ckpts, "--split", "analysis", "--span", "symbol", "--layers", "all"),
            inputs=("collection", *on),
        ),
        Step(
            "uniformity",
            "analysis.uniformity",
            ("--ckpt", ckpts, "--layers", "all", "--bootstrap", "1000", "--no-figures", "--out", r),
            inputs=("collection", *on),
            outputs=("uniformity/*.json",),
        ),
        Step(
            "probes",
            "probes",
            ("--ckpt", ckpts, "--target", "all", "--layers", "all", "--no-figures", "--out", r),
            inputs=("collection", *on),
            outputs=("probes/*.json",),
        ),
        Step(
            "similarity",
            "analysis.similarity",
            ("--ckpt", pair, "--layers", "all", "--cross-layer", "--no-figures", "--out", r),
            inputs=("collection", "ckpt:base", "ckpt:ours"),
            outputs=("similarity/*.json",),
        ),
        Step(
            "projection",
            "analysis.projection",
            ("--ckpt", ckpts, "--layers", "last", "--no-figures", "--out", r),
            inputs=("collection", *on),
            outputs=("projection/*.json",),
        ),
        Step(
            "evaluate",
            "analysis.evaluate",
            ("--ckpt", ckpts, "--per-family", "3", "--general-per-task", str(GENERAL_PER_TASK), "--out", r),
            inputs=("collection", *on),
            outputs=("evaluate/*.json",),
        ),
        Step(
            "ability_vs_geometry",
            "analysis.ability_vs_geometry",
            ("--results", r, "--out", r),
            inputs=("results:evaluate,uniformity",),
            outputs=("ability_vs_geometry/*.json",),
        ),
        Step("training", "trainer.report", ("--out", r), inputs=("runs",), outputs=("training/*.json",)),
        Step(
            "figures",
            "figures",
            ("all", "--results", r, "--out", f"{r}/figures"),
            inputs=("results",),
            outputs=("figures/*.png",),
        ),
    ]


def available(module: str) -> bool:
    """Whether ``python -m module`` can run here (a module, or a package with ``__main__``)."""
    try:
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.submodule_search_locations is not None:
            spec = importlib.util.find_spec(f"{module}.__main__")
    except (ImportError, ValueError):
        return False
    if spec is None or spec.origin is None:
        return False
    # a project module must come from this checkout (a shared editable install may map another one)
    return module.split(".")[0] not in PROJECT or Path(spec.origin).resolve().is_relative_to(REPO)


def code_fingerprint(module: str, root: Path = REPO) -> str:
    """SHA-256 over the source of every project module ``python -m module`` may import (under ``root``)."""
    return codehash.fingerprint(module, root)


def tree_fingerprint(files: Sequence[Path]) -> str:
    """SHA-256 over the names and contents of ``files`` (sorted)."""
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(f"{f}\0{sha256_file(f)}\0".encode())
    return h.hexdigest()


@dataclass
class Runner:
    """Runs the steps of a plan, skipping unchanged ones; remembers input fingerprints within a run."""

    results: Path
    force: tuple[str, ...] = ()
    root: Path = REPO  # the source tree whose code the fingerprints hash
    dry_run: bool = False
    echo: Callable[[str], None] = print
    collection_card: Path | None = None
    head: str = ""  # the progress-line prefix of the current step
    _inputs: dict[str, str] = field(default_factory=dict)

    def call(self, step: Step, *extra: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
        """``python -m <step.module> <step.args> <extra>`` (output shown unless ``capture``)."""
        argv = [sys.executable, "-m", step.module, *step.args, *extra]
        if not capture:
            self.echo(f"{self.head}  running: python -m {' '.join(argv[2:])}")
        return subprocess.run(argv, capture_output=capture, text=True, check=False)

    def input_fingerprint(self, name: str) -> str:
        """The fingerprint of one input (cached for the rest of the run)."""
        if name not in self._inputs:
            self._inputs[name] = self._measure(name)
        return self._inputs[name]

    def _measure(self, name: str) -> str:
        if name == "collection":
            if self.collection_card is None:
                raise UserError("the collection step must run before a step that reads the collection")
            return sha256_file(self.collection_card)
        if name.startswith("ckpt:"):
            alias = name[5:]
            res = subprocess.run(
                [sys.executable, "-m", "lm.checkpoints", "show", alias, "--json"],
                capture_output=True,
                text=True,
                check=False,
            )
            if res.returncode != 0:
                raise UserError(
                    res.stderr.strip().removeprefix("error: ") or f"checkpoint '{alias}' is not available"
                )
            return str(json.loads(res.stdout)["fingerprint"])
        if name == "runs":
            return tree_fingerprint(list(runs_dir().glob("*/*/symbolscope.json")))
        if name == "results":
            skip = {"figures"}
            return tree_fingerprint([p for p in self.results.glob("*/*.json") if p.parent.name not in skip])
        if name.startswith("results:"):  # the result files of the named analyses
            return tree_fingerprint(
                [p for a in name[8:].split(",") for p in self.results.glob(f"{a}/*.json")]
            )
        if name.startswith("file:"):
            path = Path(name[5:])
            return sha256_file(path) if path.is_file() else "missing"
        raise ValueError(f"unknown input kind {name!r}")

    def fingerprint(self, step: Step) -> str:
        """Hash of the step's module, arguments, code and inputs."""
        parts = {
            "module": step.module,
            "args": list(step.args),
            "code": code_fingerprint(step.module, self.root),
            "inputs": {i: self.input_fingerprint(i) for i in step.inputs},
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def run_collection(self, step: Step) -> tuple[str, str]:
        """Build the collection (its own cache makes a second build instant) and find its card."""
        res = self.call(step, capture=True)
        if res.returncode != 0:
            sys.stderr.write(res.stderr)
            return "failed", f"exit {res.returncode}"
        folder = Path(res.stdout.strip().splitlines()[-1].rsplit(" (", 1)[0])
        self.collection_card = folder / "card.json"
        return "checked", str(folder)

    def run_train(self, step: Step) -> tuple[str, str]:
        """Skip a stage with a finished run, resume an interrupted one, else train it."""
        stage, config = step.args[0], step.args[step.args.index("--config") + 1]
        shown = subprocess.run(
            [sys.executable, "-m", "lm.checkpoints", "show", stage],
            capture_output=True,
            text=True,
            check=False,
        )
        if shown.returncode == 0:
            return "skipped", "a finished run exists; make clean to train again"
        if self.dry_run:
            return "would run", ""
        folder = runs_dir() / stage / config
        busy = training_pid(folder)
        if busy:
            raise UserError(f"{folder} is being trained right now by process {busy}; wait for it to finish")
        if folder.is_dir():
            if self.call(step, "--resume").returncode == 0:
                return "ran", "resumed"
            code = self.call(step, "--overwrite").returncode
            return ("ran", "restarted") if code == 0 else ("failed", f"exit {code}")
        code = self.call(step).returncode
        return ("ran", "") if code == 0 else ("failed", f"exit {code}")

    def run_study(self, step: Step, state: dict[str, Any]) -> tuple[str, str]:
        """Skip when the fingerprint is unchanged and the outputs exist; else run and record it."""
        try:
            fp = self.fingerprint(step)
        except UserError as err:
            if self.dry_run:  # e.g. a checkpoint that the training steps would make
                return "would run", f"inputs not ready: {err}"
            raise
        have = all(any(self.results.glob(g)) for g in step.outputs)
        if state.get(step.name, {}).get("fingerprint") == fp and have and step.name not in self.force:
            return "skipped", f"unchanged, fingerprint {fp[:12]}"
        if self.dry_run:
            return "would run", f"fingerprint {fp[:12]}"
        code = self.call(step).returncode
        if code != 0:
            return "failed", f"exit {code}"
        state[step.name] = {"fingerprint": fp, "finished": datetime.now(UTC).isoformat(timespec="seconds")}
        atomic_write_json(self.results / STATE_FILE, state)
        for name in [n for n in self._inputs if n.split(":")[0] == "results"]:
            del self._inputs[name]  # later steps see the new result files
        return "ran", f"fingerprint {fp[:12]}"


def training_pid(folder: Path) -> int | None:
    """The live process on this host that an unfinished run's card names, if any (never resume under it)."""
    try:
        card = json.loads((folder / "symbolscope.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(card, dict) or card.get("finished") or not isinstance(card.get("ranks"), list):
        return None
    for rank in card["ranks"]:
        pid = rank.get("pid") if isinstance(rank, dict) else None
        if isinstance(pid, int) and pid > 0 and rank.get("host") == socket.gethostname():
            try:
                os.kill(pid, 0)  # signal 0: only asks whether the process exists
            except ProcessLookupError:
                continue
            except PermissionError:
                return pid
            return pid
    return None


def read_state(path: Path) -> dict[str, Any]:
    """The state file (``{}`` when absent); a damaged one is named, never trusted."""
    if not os.path.lexists(path):
        return {}
    try:
        state = read_json(path, "damaged state file", 64 << 20)
    except UserError as err:
        raise UserError(f"{err}; delete it to re-run every step") from None
    if not isinstance(state, dict) or not all(isinstance(v, dict) for v in state.values()):
        raise UserError(f"{path}: not a reproduce state file; delete it to re-run every step")
    return state


def reproduce(steps: Sequence[Step], runner: Runner) -> list[dict[str, Any]]:
    """Run ``steps`` in order; one progress line each; stop at the first failure. Rows per step."""
    state = read_state(runner.results / STATE_FILE)
    rows: list[dict[str, Any]] = []
    width = max(len(s.name) for s in steps)
    for i, step in enumerate(steps, 1):
        head = f"[{i:>2}/{len(steps)}] {step.name:<{width}}"
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


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
