"""Run a suite CLI (``python -m MODULE ...``) in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_module(
    module: str,
    *args: str,
    home: Path | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``python -m module *args`` from the repository (or ``cwd``); ``home`` sets ``SYMBOLSCOPE_HOME``."""
    full = {**os.environ, **(env or {}), "PYTHONPATH": str(REPO)}
    if home is not None:
        full["SYMBOLSCOPE_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd or REPO,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
