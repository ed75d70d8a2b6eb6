"""Helpers for the hostile-input tests: how a clean refusal looks, a planted pickle, a watched server."""

from __future__ import annotations

import contextlib
import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def assert_clean(
    proc: subprocess.CompletedProcess[str], code: int = 2, *, says: str = "", max_lines: int = 3
) -> str:
    """Assert exit ``code``, at most ``max_lines`` lines on stderr, no traceback; return stderr.

    With ``code == 2`` the last line is the suite's ``error: ...`` line (and holds ``says``).
    """
    err = proc.stderr.strip()
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err[-3000:]
    assert proc.returncode == code, (proc.returncode, err[-2000:], proc.stdout[-2000:])
    assert len(lines) <= max_lines, err[-2000:]
    if code == 2:
        assert lines and lines[-1].startswith("error: "), err
    if says:
        assert says in err + proc.stdout, (says, err, proc.stdout[-2000:])
    return err


class Planted:
    """Unpickling this calls ``open(marker, "w")``: the marker file appears if a pickle ever runs."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.marker, "w"))


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        body = b'{"type": "string"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def watched_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server on 127.0.0.1: ``(base_url, hits)``; ``hits`` lists every path requested."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.hits  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def _mount(folder: Path, options: str) -> bool:
    """``mount -t tmpfs -o OPTIONS tmpfs FOLDER``; False when this process may not mount."""
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True
    )
    return proc.returncode == 0


@contextlib.contextmanager
def small_disk(folder: Path, free: int, size_mb: int = 20) -> Iterator[Path]:
    """``folder`` on a ``size_mb`` MB tmpfs filled until about ``free`` bytes are left: a full disk.

    Needs the right to mount (root, as in CI and on the shared machine). Where mounting is
    refused the same failure is produced by ``RLIMIT_FSIZE`` (writes past ``free`` bytes fail
    with EFBIG, which the suite reports exactly as a full disk; Python ignores SIGXFSZ); children
    inherit the limit. Either way the folder is unmounted / the limit restored on exit.
    """
    import os
    import resource

    folder.mkdir(parents=True, exist_ok=True)
    if _mount(folder, f"size={size_mb}m"):
        try:
            filler = folder / ".filler"
            with open(filler, "wb") as fh:
                chunk = b"\0" * (1 << 20)
                while (left := os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize) > free:
                    try:
                        fh.write(chunk[: max(4096, min(len(chunk), left - free))])
                        fh.flush()
                    except OSError:
                        break
            yield folder
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (free, hard))
    try:
        yield folder
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


@contextlib.contextmanager
def read_only_dir(folder: Path) -> Iterator[Path]:
    """An empty folder no one can write into: a read-only tmpfs (root ignores ``chmod``), or
    ``chmod 0555`` where mounting is refused (then we are not root and the mode holds)."""
    folder.mkdir(parents=True, exist_ok=True)
    if _mount(folder, "ro,size=1m"):
        try:
            yield folder
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        return
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)


def deep_json(depth: int = 100_000) -> str:
    """A JSON array nested ``depth`` deep (valid JSON; far beyond any parser's recursion limit)."""
    return "[" * depth + "]" * depth
