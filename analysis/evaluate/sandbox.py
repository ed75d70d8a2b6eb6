"""Run generated code outside the suite's process, with limits.

Every job runs in ``python -I analysis/evaluate/harness.py`` (isolated mode: no environment
variables read, no user site, no project folder on ``sys.path``), started in its own session
(process group) with an empty temporary working folder (removed afterwards), an environment of
only ``PATH``/``LANG``/``HOME`` (nothing inherited, so no secrets), and ``resource`` limits: CPU
seconds, address space (memory), file size and open files. Jobs are sent in batches; the
harness reports each finished job on its own line, with a per-job alarm. When the batch exceeds
its wall-clock limit, or the process dies (memory, CPU), the whole process group is killed, the
job it was running is scored a failure, and the jobs after it run again in a fresh process.
Generated shell is never run: the ``bash`` family is only parsed (``bashlex``).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HARNESS = Path(__file__).with_name("harness.py")


@dataclass(frozen=True)
class Limits:
    """Per-job seconds (alarm), per-process memory in MB (address space), file size in MB."""

    job_seconds: float = 5.0
    memory_mb: int = 2048
    file_mb: int = 16
    startup_seconds: float = 15.0


@dataclass(frozen=True)
class Outcome:
    """What a job returned (``value``, JSON) or why it failed (``error``)."""

    ok: bool
    value: Any = None
    error: str | None = None


def _limit(limits: Limits, n_jobs: int) -> None:
    """``preexec_fn``: resource limits of the child (runs in the child before exec)."""
    import resource

    cpu = int(limits.startup_seconds + limits.job_seconds * n_jobs) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    mem = limits.memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    size = limits.file_mb << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _parse(stdout: bytes, nonce: str, n: int) -> dict[int, Outcome]:
    done: dict[int, Outcome] = {}
    for line in stdout.decode("utf-8", "replace").splitlines():
        if not line.startswith(nonce + " "):
            continue
        try:
            rec = json.loads(line[len(nonce) + 1 :])
        except json.JSONDecodeError:
            continue
        i = rec.get("i")
        if isinstance(i, int) and 0 <= i < n:
            done[i] = Outcome(bool(rec.get("ok")), rec.get("value"), rec.get("error"))
    return done


def _run_once(
    jobs: Sequence[dict[str, Any]], shared: dict[str, Any], limits: Limits
) -> tuple[dict[int, Outcome], str]:
    """Run ``jobs`` in one sandboxed process; ``(finished outcomes by index, why it ended)``."""
    nonce = secrets.token_hex(16)
    payload = json.dumps({"nonce": nonce, "job_seconds": limits.job_seconds, "shared": shared,
                          "jobs": list(jobs)}).encode()  # fmt: skip
    folder = tempfile.mkdtemp(prefix="symbolscope-sandbox-")
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": folder, "TMPDIR": folder}
    wall = limits.startup_seconds + (limits.job_seconds + 1.0) * len(jobs)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", str(HARNESS)], cwd=folder, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=lambda: _limit(limits, len(jobs)),
        )  # fmt: skip
        try:
            out, _ = proc.communicate(payload, timeout=wall)
            why = f"exit status {proc.returncode}"
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            out, _ = proc.communicate()
            why = f"wall-clock limit of {wall:.0f} s"
        finally:
            _kill_group(proc.pid)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _parse(out, nonce, len(jobs)), why


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def run_jobs(
    jobs: Sequence[dict[str, Any]],
    *,
    shared: dict[str, Any] | None = None,
    limits: Limits | None = None,
    batch: int = 32,
) -> list[Outcome]:
    """Run every job (``{"kind": ..., ...}``, see :mod:`analysis.evaluate.harness`) in sandboxed
    processes, ``batch`` jobs per process; one :class:`Outcome` per job, in order. A job that
    brings its process down fails with the reason; the others are unaffected."""
    limits = limits or Limits()
    shared = shared or {}
    results: list[Outcome | None] = [None] * len(jobs)
    pending = list(range(len(jobs)))
    while pending:
        chunk = pending[:batch]
        done, why = _run_once([jobs[i] for i in chunk], shared, limits)
        for k, i in enumerate(chunk):
            if k in done:
                results[i] = done[k]
        first_missing = next((k for k in range(len(chunk)) if k not in done), None)
        if first_missing is None:
            pending = pending[len(chunk) :]
            continue
        results[chunk[first_missing]] = Outcome(False, None, f"sandbox process ended: {why}")
        pending = [i for i in pending if results[i] is None]
    return [r if r is not None else Outcome(False, None, "not run") for r in results]
