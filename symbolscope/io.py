"""Atomic outputs and content hashes.

Everything the suite writes appears atomically: it is written into a temporary sibling, flushed,
given the permissions a normally created file would get, then renamed into place, so an
interrupted or failed write leaves nothing under the final name. :func:`atomic_file` is the one
writer; the helpers for bytes, text, JSON and figures and :func:`atomic_dir` for folders are
built on the same rename.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

_CHUNK = 8 << 20


def publish_mode() -> int:
    """The permission bits a normally created file would get (0o666 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def replace_dir(tmp: Path, final: Path) -> None:
    """Rename folder ``tmp`` to ``final``, swapping out (then removing) an existing ``final``."""
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)


@contextlib.contextmanager
def atomic_dir(final: str | os.PathLike[str], *, replace: bool = False) -> Iterator[Path]:
    """Yield a fresh temporary folder beside ``final``; on success rename it to ``final``.

    On an exception the temporary folder is removed and ``final`` is untouched. With
    ``replace=True`` an existing ``final`` is swapped out (old copy removed after the rename).
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        yield tmp
        if final.exists() and not replace:
            raise FileExistsError(f"{final} already exists")
        replace_dir(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write; on success publish it as ``path``.

    The file is fsynced, gets :func:`publish_mode` permissions and is renamed into place; on an
    exception it is removed and ``path`` is untouched. ``suffix`` keeps writers that pick a
    format from the file name (matplotlib, safetensors) working.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, publish_mode())  # mkstemp creates 0600; a published file reads like any other
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return ``path``."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented, key-sorted JSON to ``path`` atomically."""
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


class _SavesFigure(Protocol):
    def savefig(self, fname: Any, **kwargs: Any) -> Any: ...


def save_figure(fig: _SavesFigure, out_dir: str | os.PathLike[str], name: str, dpi: int = 150) -> list[Path]:
    """Save a matplotlib figure as ``<out_dir>/<name>.png`` and ``.pdf``, each atomically.

    The figure is neither closed nor re-rendered on another backend, so it can still be shown.
    """
    written = []
    for ext in ("png", "pdf"):
        final = Path(out_dir) / f"{name}.{ext}"
        with atomic_file(final, suffix=f".{ext}") as tmp:
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=ext)
        written.append(final)
    return written


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes (read in 8 MB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()
