"""Run generated code outside the suite's process: in a bubblewrap namespace sandbox, with limits.

Every batch of jobs runs ``python -I harness.py`` (:mod:`analysis.evaluate.harness`) inside
``bwrap`` (:func:`bwrap_command`): new user (uid/gid 65534 inside), PID, network, IPC, UTS and
cgroup namespaces; ``--die-with-parent``, ``--new-session``; a root that holds only read-only
system folders (``/usr``, ``/bin``, ``/lib*``, ``/sbin``, a few files of ``/etc``) and Python's own
installation and virtual environment, a fresh ``/proc`` and a minimal ``/dev``; a size-capped tmpfs
``/tmp`` as the only writable place; no home, no ``SYMBOLSCOPE_HOME``, no results, no project
source (none of them is mounted); ``no_new_privs`` (bwrap sets it); plus the ``resource`` limits
of :class:`Limits` and a wall clock. When the batch ends, its PID namespace ends with it.
``docs/sandbox.md`` says what is isolated and what is not.

Without a working bwrap (:func:`bwrap_status`), execution is not run unless the caller allows
``unsandboxed``: today's limits only (``python -I``, own session, rlimits, empty temporary folder,
minimal environment). Every result names the isolation used (:func:`isolation`).

Jobs are sent in batches; the harness reports each finished job on its own line. When the batch
exceeds its wall-clock limit or its process ends early, the job it was on is scored a failure
(the harness reports a job only after cleaning up behind it, so a job can only cost itself) and
the jobs after it run again in a fresh sandbox.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symbolcollection.family import Outcome

#: Files of this folder run by path inside the sandbox, never imported (their code is part of this
#: module's fingerprint: :mod:`symbolscope.codehash`).
RUNS_FILES = ("harness.py", "jobkinds.py")
HARNESS, JOBKINDS = (Path(__file__).with_name(name) for name in RUNS_FILES)
MODES = ("bwrap", "unsandboxed")
SANDBOX_UID = 65534
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime", "nsswitch.conf")
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
HOW_TO_FIX = (
    "install bubblewrap (Debian/Ubuntu: apt-get install -y bubblewrap; see docs/sandbox.md) "
    "or pass --allow-unsandboxed to run generated code with process limits only"
)


def lib_files() -> dict[str, Path]:
    """What the sandbox's read-only ``/sandbox`` holds, by name: the harness, its generic job kinds
    and each family's job kinds as ``kinds_<family>.py`` (:func:`symbolcollection.registry.kind_files`)."""
    from symbolcollection import registry

    files = {p.name: p for p in (HARNESS, JOBKINDS)}
    return files | {f"kinds_{name}.py": Path(path) for name, path in registry.kind_files().items()}


@dataclass(frozen=True)
class Limits:
    """Per-job seconds (alarm), per-process memory in MB (address space), file size in MB, the
    sandbox's tmpfs in MB, processes of the sandbox (``RLIMIT_NPROC``), start-up seconds, and
    whether a job may not create processes (the seccomp filter of the harness)."""

    job_seconds: float = 5.0
    memory_mb: int = 2048
    file_mb: int = 16
    startup_seconds: float = 15.0
    tmpfs_mb: int = 64
    processes: int = 64
    no_fork: bool = True


@functools.cache
def bwrap_status() -> tuple[bool, str]:
    """``(works, why)``: whether ``bwrap`` is on ``PATH`` and can make its namespaces here."""
    exe = shutil.which("bwrap")
    if exe is None:
        return False, "bubblewrap (bwrap) is not installed"
    probe = [*bwrap_command(Path(tempfile.gettempdir()), Limits()), "true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, f"bwrap cannot start: {err}"
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"]
        return False, f"bwrap cannot create its namespaces here: {why[-1]}"
    return True, "ok"


def isolation(mode: str) -> str:
    """The ``isolation`` recorded in result rows for ``mode`` (``bwrap``, ``unsandboxed``, ``none``)."""
    return {
        "bwrap": "bwrap: user/pid/net/ipc/uts namespaces, read-only system, tmpfs only, rlimits",
        "unsandboxed": "unsandboxed (--allow-unsandboxed): python -I, own session, rlimits only",
    }.get(mode, "none: execution not run (no sandbox)")


def choose_mode(allow_unsandboxed: bool) -> tuple[str, str]:
    """``(mode, note)``: ``bwrap`` when it works, else ``unsandboxed`` if allowed, else ``none``
    (execution-based scores not run) with one line saying why and how to fix it."""
    works, why = bwrap_status()
    if works:
        return "bwrap", ""
    if allow_unsandboxed:
        return "unsandboxed", f"{why}: running generated code unsandboxed (--allow-unsandboxed)"
    return "none", f"execution scores not run: {why}; {HOW_TO_FIX}"


def _visible_python() -> list[str]:
    """Folders of the Python that runs the harness (installation, venv, site-packages)."""
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    dirs |= {p for p in sys.path if p and os.path.isdir(p) and p.startswith(tuple(dirs))}
    real = os.path.realpath(sys.executable)
    dirs.add(os.path.dirname(os.path.dirname(real)))
    top = sorted({os.path.realpath(d) for d in dirs} | dirs)
    return [d for d in top if not any(d != o and d.startswith(o + os.sep) for o in top)]


def bwrap_command(lib: Path, limits: Limits) -> list[str]:
    """The ``bwrap`` argument list up to (not including) the command; ``lib`` is bound at
    ``/sandbox`` read-only (the harness and the job kinds: :func:`lib_files`)."""
    cmd = [
        "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--hostname",
        "sandbox",
        "--cap-drop",
        "ALL",
    ]
    for path in _SYSTEM:
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            cmd += ["--ro-bind", path, path]
    for name in _ETC:
        cmd += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for path in _visible_python():
        cmd += ["--ro-bind", path, path]
    cmd += [
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(limits.tmpfs_mb << 20),
        "--tmpfs",
        "/tmp",
        "--ro-bind",
        str(lib),
        "/sandbox",
        "--chdir",
        "/tmp",
        "--remount-ro",
        "/",
    ]
    return cmd


def _user_processes() -> int:
    """How many processes the current real uid has (``RLIMIT_NPROC`` counts them all)."""
    uid, n = os.getuid(), 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                with open(f"/proc/{name}/status", encoding="ascii", errors="replace") as fh:
                    line = next(x for x in fh if x.startswith("Uid:"))
                n += int(line.split()[1]) == uid
    return n


def _limit(limits: Limits, n_jobs: int, mode: str, nproc: int) -> None:
    """``preexec_fn``: resource limits of the child (runs in the child before exec)."""
    import resource

    cpu = int(limits.startup_seconds + limits.job_seconds * n_jobs) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    mem = limits.memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    size = limits.file_mb << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if nproc:  # the user's processes now + the sandbox's allowance; root is exempt (docs)
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def _parse(stdout: bytes, nonce: str, n: int) -> dict[int, Outcome]:
    done: dict[int, Outcome] = {}
    for line in stdout.decode("utf-8", "replace").splitlines():
        if not line.startswith(nonce + " "):
            continue
        try:
            rec = json.loads(line[len(nonce) + 1 :])
        except (ValueError, RecursionError):
            continue
        i = rec.get("i") if isinstance(rec, dict) else None
        if isinstance(i, int) and 0 <= i < n and i not in done:
            error = rec.get("error")
            done[i] = Outcome(rec.get("ok") is True, rec.get("value"), None if error is None else str(error))
    return done


def _command(mode: str, folder: str, lib: Path, limits: Limits) -> list[str]:
    if mode == "bwrap":
        return [*bwrap_command(lib, limits), sys.executable, "-I", "/sandbox/harness.py", "/sandbox", "/tmp"]
    return [sys.executable, "-I", str(lib / "harness.py"), str(lib), folder]


def _warm_kinds(jobs: Sequence[dict[str, Any]]) -> list[str]:
    """Kinds worth warming in the zygote: those with more than one job in the batch."""
    counts = Counter(str(j.get("kind")) for j in jobs)
    return sorted(k for k, n in counts.items() if n > 1)


def _header(
    jobs: Sequence[dict[str, Any]], shared: dict[str, Any], limits: Limits, mode: str
) -> tuple[str, bytes]:
    """``(nonce, what the harness reads on stdin)``: a length-prefixed header, then a job per line."""
    nonce = secrets.token_hex(16)
    header = json.dumps(
        {
            "nonce": nonce,
            "job_seconds": limits.job_seconds,
            "shared": shared,
            "kinds": _warm_kinds(jobs),
            "seccomp": limits.no_fork,
            "pidns": mode == "bwrap",
        }
    ).encode()
    return nonce, b"%010d" % len(header) + header + b"".join(json.dumps(j).encode() + b"\n" for j in jobs)


def _communicate(proc: subprocess.Popen[bytes], payload: bytes, wall: float) -> tuple[bytes, str]:
    """Send the jobs, collect the lines; the whole process group is killed in any case."""
    try:
        out, _ = proc.communicate(payload, timeout=wall)
        return out, f"exit status {proc.returncode}"
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, _ = proc.communicate()
        return out, f"wall-clock limit of {wall:.0f} s"
    finally:
        _kill_group(proc.pid)


def _run_once(
    jobs: Sequence[dict[str, Any]], shared: dict[str, Any], limits: Limits, mode: str
) -> tuple[dict[int, Outcome], str]:
    """Run ``jobs`` in one sandbox; ``(finished outcomes by index, why it ended)``."""
    nonce, payload = _header(jobs, shared, limits, mode)
    folder = Path(tempfile.mkdtemp(prefix="symbolscope-sandbox-"))
    lib, work = folder / "lib", folder / "work"
    inside = "/tmp" if mode == "bwrap" else str(work)
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": inside, "TMPDIR": inside}
    wall = limits.startup_seconds + (limits.job_seconds + 1.0) * len(jobs)
    nproc = _user_processes() + limits.processes if os.getuid() != 0 else 0
    try:
        lib.mkdir()
        work.mkdir()
        for name, src in lib_files().items():
            shutil.copy(src, lib / name)
        try:
            proc = subprocess.Popen(
                _command(mode, str(work), lib, limits),
                cwd=work,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=lambda: _limit(limits, len(jobs), mode, nproc),
            )
        except OSError as err:
            return {}, f"the sandbox could not start: {err}"
        out, why = _communicate(proc, payload, wall)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _parse(out, nonce, len(jobs)), why


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def run_jobs(
    jobs: Sequence[dict[str, Any]],
    *,
    shared: dict[str, Any] | None = None,
    limits: Limits | None = None,
    batch: int = 32,
    mode: str = "bwrap",
) -> list[Outcome]:
    """Run every job (``{"kind": ..., ...}``, see :mod:`analysis.evaluate.harness`) in sandboxes
    (``mode``: ``bwrap`` or ``unsandboxed``), ``batch`` jobs per sandbox, grouped by kind (a sandbox
    warms each kind it holds once); one :class:`Outcome` per job, in order. A job that brings its
    sandbox down fails with the reason; the others are unaffected."""
    if mode not in MODES:
        raise ValueError(f"sandbox mode must be one of {MODES}, not {mode!r}")
    limits = limits or Limits()
    shared = shared or {}
    results: list[Outcome | None] = [None] * len(jobs)
    pending = sorted(range(len(jobs)), key=lambda i: str(jobs[i].get("kind")))
    while pending:
        chunk = pending[:batch]
        done, why = _run_once([jobs[i] for i in chunk], shared, limits, mode)
        for k, i in enumerate(chunk):
            if k in done:
                results[i] = done[k]
        first_missing = next((k for k in range(len(chunk)) if k not in done), None)
        if first_missing is None:
            pending = pending[len(chunk) :]
            continue
        results[chunk[first_missing]] = Outcome(False, None, f"sandbox process ended: {why}")
        pending = [i for i in pending if results[i] is None]
    return [r if r is not None else Outcome(False, None, "not run") for r in results]
