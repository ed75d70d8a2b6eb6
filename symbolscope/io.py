"""Atomic outputs, content hashes, ownership of results files and one line for a full disk.

Everything the suite writes appears atomically: it is written into a temporary sibling, flushed,
given the permissions a normally created file would get, then renamed into place, so an
interrupted or failed write leaves nothing under the final name. :func:`atomic_file` is the one
writer; the helpers for bytes, text, JSON and figures and :func:`atomic_dir` for folders are
built on the same rename.

**Ownership.** A write with ``owned=True`` (every results file, figure and report) records the
file's name and SHA-256 in the folder's ledger ``.symbolscope-owned``. It replaces an
existing file only if the ledger lists it with the same SHA-256 (the suite wrote it and nobody
changed it since); anything else — a user's file, an edited one, a symlink, a file in a folder
without a ledger — is refused with one line. It never writes into a folder that is a symlink,
so a link cannot carry results out of the results tree. The ledger is updated under an ``flock``
on the folder.

**Full disk.** A write that the file system refuses (no space, quota, read-only, permission) is
one :class:`~symbolscope.errors.UserError` naming the path, the bytes it needed (when known) and
the bytes free; the temporary file is removed, so finished work stays and a rerun resumes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from symbolscope.errors import UserError

_CHUNK = 8 << 20
#: The ownership ledger of a folder the suite writes results into.
LEDGER = ".symbolscope-owned"
_LEDGER_MAX = 4 << 20
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_REFUSED = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL_TEXT = ("No space left on device", "Disk quota exceeded", "os error 28", "File too large")
_NEARLY_FULL = 16 << 20  # a failed write with less than this free is reported as a full disk


def free_bytes(path: str | os.PathLike[str]) -> int | None:
    """Bytes free for the user on the file system holding ``path`` (or its nearest parent)."""
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return shutil.disk_usage(p).free
    except OSError:
        return None


class WriteRefused(UserError):
    """A write the file system refused (full disk, quota, read-only, permission).

    ``reason`` names the path, what it needed and what was free; the message adds how to go on.
    """

    def __init__(self, reason: str, hint: str) -> None:
        super().__init__(f"{reason}; {hint}")
        self.reason = reason


def write_error(
    path: str | os.PathLike[str], err: BaseException, need: int | None = None
) -> WriteRefused | None:
    """The one-line :class:`WriteRefused` for a write the file system refused, or None if ``err``
    is another failure. A full disk names ``need`` (bytes, when known) and the bytes free."""
    free = free_bytes(Path(path).parent)
    code = getattr(err, "errno", None)
    full = code in _FULL or any(t in str(err) for t in _FULL_TEXT)
    if not full and code is None and isinstance(err, RuntimeError) and free is not None:
        full = free < _NEARLY_FULL  # torch.save reports a short write only as "unexpected pos"
    if full:
        needs = f"needs {need} bytes, " if need is not None else ""
        return WriteRefused(
            f"cannot write {path}: no space left on the device ({needs}{free} bytes free)",
            "free some space or write elsewhere and rerun: finished work is kept",
        )
    if code in _REFUSED:
        return WriteRefused(f"cannot write {path}: {os.strerror(code)}", "choose a writable folder")
    return None


@contextlib.contextmanager
def disk_write(path: str | os.PathLike[str], need: int | None = None) -> Iterator[None]:
    """Turn a refused write inside the block (full disk, read-only, permission) into one line
    naming ``path`` (see :func:`write_error`); other exceptions pass through unchanged."""
    try:
        yield
    except Exception as err:
        if isinstance(err, UserError):
            raise
        mapped = write_error(path, err, need)
        if mapped is None:
            raise
        raise mapped from None


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


def _ledger(folder: Path) -> dict[str, str]:
    """The folder's ownership ledger ``{file name: sha256}`` ({} if absent or not one of ours)."""
    path = folder / LEDGER
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _LEDGER_MAX:
            return {}
        data = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, RecursionError, AttributeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def check_folder(folder: str | os.PathLike[str]) -> None:
    """Refuse (one line) to write results into a folder that is a symlink or not a folder."""
    folder = Path(folder)
    if folder.is_symlink():
        raise UserError(
            f"{folder}: is a symlink; the suite writes results only into real folders and never "
            "follows a link out of the results tree (remove the link or choose another --out)"
        )
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: exists and is not a folder; choose another --out")


def check_replaceable(path: str | os.PathLike[str]) -> None:
    """Refuse (one line) unless ``path`` is absent or a file the suite wrote and nobody changed.

    "Wrote" means listed with its current SHA-256 in the folder's :data:`LEDGER`.
    """
    path = Path(path)
    check_folder(path.parent)
    if not os.path.lexists(path):
        return
    if path.is_symlink() or not path.is_file():
        raise UserError(
            f"{path}: exists and is not a regular file the suite wrote; move it or choose another --out"
        )
    recorded = _ledger(path.parent).get(path.name)
    if recorded is None or recorded != sha256_file(path):
        why = (
            "changed since the suite wrote it"
            if recorded
            else f"not written by symbolscope (not in {LEDGER})"
        )
        raise UserError(
            f"{path}: exists and was {why}; it is left alone: move it away or choose another --out"
        )


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _publish_owned(tmp: Path, path: Path) -> None:
    """Rename ``tmp`` to ``path`` if :func:`check_replaceable` allows it and record it in the ledger."""
    digest = sha256_file(tmp)
    with _folder_lock(path.parent):
        check_replaceable(path)
        files = _ledger(path.parent)
        files[path.name] = digest
        ledger = json.dumps(
            {"about": "files symbolscope wrote here (name: sha256)", "files": files}, indent=1, sort_keys=True
        )
        fd, name = tempfile.mkstemp(prefix=f".{LEDGER}.tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(ledger + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(name, publish_mode())
            os.replace(
                tmp, path
            )  # a crash between the renames leaves an unlisted file: refused later, never lost
            os.replace(name, path.parent / LEDGER)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)


@contextlib.contextmanager
def atomic_file(
    path: str | os.PathLike[str], suffix: str = "", *, owned: bool = False, need: int | None = None
) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write; on success publish it as ``path``.

    The file is fsynced, gets :func:`publish_mode` permissions and is renamed into place; on an
    exception it is removed and ``path`` is untouched. ``suffix`` keeps writers that pick a
    format from the file name (matplotlib, safetensors) working. ``owned=True`` (results,
    figures, reports) applies the ownership rules of this module; a full disk or a read-only
    folder is one :class:`UserError` naming ``path`` and ``need`` (bytes, when known).
    """
    path = Path(path)
    with disk_write(path, need):
        if owned:
            check_folder(path.parent)
        path.parent.mkdir(parents=True, exist_ok=True)
        if owned:
            check_replaceable(path)  # before the work: a refused file costs nothing
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", suffix=suffix, dir=path.parent)
        os.close(fd)
        tmp = Path(name)
        try:
            yield tmp
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, publish_mode())  # mkstemp creates 0600; a published file reads like any other
            if owned:
                _publish_owned(tmp, path)
            else:
                os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, owned: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (``owned``: see :func:`atomic_file`); return ``path``."""
    with atomic_file(path, owned=owned, need=len(data)) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, *, owned: bool = False) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"), owned=owned)


def atomic_write_json(path: str | os.PathLike[str], obj: Any, *, owned: bool = False) -> Path:
    """Write ``obj`` as indented, key-sorted JSON to ``path`` atomically."""
    text = json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n"
    return atomic_write_text(path, text, owned=owned)


class _SavesFigure(Protocol):
    def savefig(self, fname: Any, **kwargs: Any) -> Any: ...


def save_figure(fig: _SavesFigure, out_dir: str | os.PathLike[str], name: str, dpi: int = 150) -> list[Path]:
    """Save a matplotlib figure as ``<out_dir>/<name>.png`` and ``.pdf``, each atomically and
    owned (a file of the same name the suite did not write is refused, see the module doc).

    The figure is neither closed nor re-rendered on another backend, so it can still be shown.
    """
    written = []
    for ext in ("png", "pdf"):
        check_replaceable(Path(out_dir) / f"{name}.{ext}")  # both refused before either is drawn
    for ext in ("png", "pdf"):
        final = Path(out_dir) / f"{name}.{ext}"
        with atomic_file(final, suffix=f".{ext}", owned=True) as tmp:
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
