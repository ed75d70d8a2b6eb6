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
