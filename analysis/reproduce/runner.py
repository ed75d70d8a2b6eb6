"""Running one step of :func:`analysis.reproduce.steps.plan`: a subprocess per step, skipped when its
fingerprint (arguments, the source of every project module it may import, its inputs) is unchanged
and its outputs exist; training resumed when interrupted, never under a live run."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.reproduce.steps import Step
from symbolscope import codehash
from symbolscope.errors import UserError
from symbolscope.io import atomic_write_json, sha256_file
from symbolscope.paths import runs_dir
from symbolscope.reading import read_json

REPO = codehash.REPO

PROJECT = codehash.root_packages(REPO)

STATE_FILE = "reproduce-state.json"


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
