"""The code version recorded in every run card, store manifest and result file."""

from __future__ import annotations

import functools
import importlib.metadata
import subprocess
from pathlib import Path


@functools.cache
def code_version() -> str:
    """``symbolscope <version>`` plus ``+g<commit>`` (and ``.dirty``) when run from a git checkout."""
    try:
        version = importlib.metadata.version("symbolscope")
    except importlib.metadata.PackageNotFoundError:
        version = "0+unknown"
    repo = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        run = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=5, check=True
        )
        return run.stdout.strip()

    try:
        sha = git("rev-parse", "--short=10", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return f"symbolscope {version}"
    return f"symbolscope {version}+g{sha}{'.dirty' if dirty else ''}"
