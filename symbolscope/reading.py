"""The one bounded reader for input files: regular files only, a size cap, UTF-8, shallow JSON.

Results files, predictions, JSONL splits, manifests and settings are read through
:func:`read_bytes` / :func:`read_text` / :func:`read_json` / :func:`json_lines`: a FIFO, a device
(``/dev/zero`` behind a symlink), a socket or a folder is refused before a byte is read (the
file is opened non-blocking, so a FIFO without a writer cannot hang the open), a file larger
than the cap is refused, and JSON nested too deeply for the parser (``[[[[...`` 100,000 deep) is
a :class:`~symbolscope.errors.UserError` naming the file and line, never a ``RecursionError``.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from symbolscope.errors import UserError

#: Default cap on an input file's size (a results file or predictions file is far smaller).
MAX_INPUT_BYTES = 512 << 20


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(path: str | os.PathLike[str], what: str = "file", max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of regular file ``path`` (symlinks followed), at most ``max_bytes``.

    Raises :class:`UserError` naming ``what`` and ``path`` for a missing file, a folder, FIFO,
    device or socket, a file over the cap, or a read error.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UserError(f"{what} {path}: no such file") from None
    except OSError as err:
        raise UserError(f"{what} {path}: cannot open ({err.strerror})") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UserError(f"{what} {path}: {_kind(st.st_mode)}; give a regular file")
    with os.fdopen(fd, "rb") as fh:
        if st.st_size > max_bytes:
            raise UserError(f"{what} {path}: {st.st_size} bytes is over the {max_bytes} byte limit")
        try:
            data = fh.read(max_bytes + 1)
        except OSError as err:
            raise UserError(f"{what} {path}: cannot read ({err.strerror})") from None
    if len(data) > max_bytes:  # grew while we read
        raise UserError(f"{what} {path}: over the {max_bytes} byte limit")
    return data


def read_text(path: str | os.PathLike[str], what: str = "file", max_bytes: int = MAX_INPUT_BYTES) -> str:
    """:func:`read_bytes` decoded as UTF-8 (a leading BOM dropped); UserError if it is not."""
    data = read_bytes(path, what, max_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UserError(
            f"{what} {path}: not UTF-8 text (byte offset {err.start}); save it as UTF-8"
        ) from None


def parse_json(text: str | bytes, where: str) -> Any:
    """``json.loads(text)``; a syntax error or nesting too deep is one :class:`UserError` at ``where``."""
    try:
        return json.loads(text)
    except RecursionError:
        raise UserError(f"{where}: JSON nests too deeply to read") from None
    except ValueError as err:
        raise UserError(f"{where}: not valid JSON ({str(err)[:120]})") from None


def read_json(path: str | os.PathLike[str], what: str = "file", max_bytes: int = MAX_INPUT_BYTES) -> Any:
    """The JSON value in regular file ``path`` (see :func:`read_bytes` and :func:`parse_json`)."""
    return parse_json(read_text(path, what, max_bytes), f"{what} {path}")


def json_lines(
    path: str | os.PathLike[str], what: str = "file", max_bytes: int = MAX_INPUT_BYTES
) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` for every non-blank line of a JSONL file (1-based line numbers)."""
    text = read_text(path, what, max_bytes)
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield n, parse_json(line, f"{what} {path}:{n}")
