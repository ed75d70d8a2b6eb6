"""What the memory benchmarks share: run one measurement in a fresh worker process (so peak RSS
belongs to that measurement alone) and read its JSON line back."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peak_mb() -> float:
    """This process's peak resident memory in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_worker(script: str, args: Sequence[str]) -> dict:
    """Run ``script --worker *args`` from the repository root; its last stdout line is a JSON object
    with ``times``, ``peak_mb`` and ``baseline_mb``; add ``median_s`` and ``delta_mb``."""
    cmd = [sys.executable, str(Path(script).resolve()), "--worker", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark worker {' '.join(args)} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["median_s"] = statistics.median(result["times"])
    result["delta_mb"] = result["peak_mb"] - result["baseline_mb"]
    return result
