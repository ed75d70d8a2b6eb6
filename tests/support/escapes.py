"""The escape attempts of the hostile trial, as generated programs (``def f(): ...``), and what the
tests watch while they run: a planted secret in a temporary home, a listener on 127.0.0.1, files
outside the sandbox, processes that outlive it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from support.cli import REPO

#: A marker only a surviving escaped process would carry on its command line.
SURVIVOR = "1234.5678"


@dataclass
class Watch:
    """What a test checks after an attempt: files under ``root`` (the temporary home with its
    secret, a results folder, an outside folder), connections to ``port``, the repo's status."""

    root: Path
    port: int
    hits: list[bytes] = field(default_factory=list)
    before: dict[str, bytes] = field(default_factory=dict)
    repo_status: str = ""

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def outside(self) -> Path:
        return self.root / "outside"

    def snapshot(self) -> dict[str, bytes]:
        return {
            str(p.relative_to(self.root)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(self.root.rglob("*"))
        }

    def assert_untouched(self) -> None:
        """Nothing changed outside the sandbox, nobody connected, no process survived."""
        assert self.snapshot() == self.before
        assert self.hits == [], self.hits
        assert survivors() == []
        assert repo_status() == self.repo_status


def repo_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout


def survivors() -> list[int]:
    """Processes carrying :data:`SURVIVOR` on their command line."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError):
                if SURVIVOR.encode() in Path(f"/proc/{name}/cmdline").read_bytes():
                    found.append(int(name))
    return found


@contextlib.contextmanager
def watching(root: Path) -> Iterator[Watch]:
    """A temporary home with ``secret.txt``, an ``outside`` folder and a TCP listener on 127.0.0.1
    that records every connection; the snapshot is taken on entry."""
    (root / "home").mkdir(parents=True)
    (root / "home" / "secret.txt").write_text("SECRET-IN-HOME")
    (root / "outside").mkdir()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    watch = Watch(root, server.getsockname()[1])
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                conn, _ = server.accept()
                conn.settimeout(0.5)
                with contextlib.suppress(OSError):
                    watch.hits.append(conn.recv(1024) or b"<connected>")
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    watch.before = watch.snapshot()
    watch.repo_status = repo_status()
    try:
        yield watch
    finally:
        stop.set()
        thread.join()
        server.close()


def attempts(w: Watch) -> dict[str, str]:
    """name -> a program ``def f(): ...`` trying that escape; each returns what it achieved."""
    out = w.outside
    return {
        "read-secret": f"def f():\n    return open({str(w.home / 'secret.txt')!r}).read()",
        "read-parent-environ": (
            "import os\ndef f():\n    got = []\n"
            "    for pid in {os.getppid(), 1, 2, 3}:\n"
            "        got.append(open(f'/proc/{pid}/environ', 'rb').read().decode())\n"
            "    return got"
        ),
        "write-outside": f"def f():\n    open({str(out / 'LEAKED.txt')!r}, 'w').write('x')\n    return 'wrote'",
        "write-repo": f"def f():\n    open({str(REPO / 'LEAKED.txt')!r}, 'w').write('x')\n    return 'wrote'",
        "read-repo": f"def f():\n    return open({str(REPO / 'pyproject.toml')!r}).read()",
        "connect": (
            f"import socket\ndef f():\n    s = socket.create_connection(('127.0.0.1', {w.port}), timeout=2)\n"
            "    s.sendall(b'escaped')\n    return 'connected'"
        ),
        "daemon": (
            "import os\ndef f():\n    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n"
            f"            os.execv('/bin/sleep', ['sleep', '{SURVIVOR}'])\n        os._exit(0)\n"
            "    return 'daemon left'"
        ),
        "kill-parent": (
            "import os, signal\ndef f():\n    for pid in range(1, 64):\n        if pid != os.getpid():\n"
            "            try:\n                os.kill(pid, signal.SIGKILL)\n            except OSError:\n"
            "                pass\n    return 'killed'"
        ),
        "fork-bomb": "import os\ndef f():\n    while True:\n        os.fork()",
        "allocate-10gb": "def f():\n    return len(bytearray(10 * 1024 ** 3))",
    }
