"""The program the sandbox runs (``python -I harness.py``): it executes generated code, never the
suite. Standard library, installed third-party packages, :mod:`analysis.evaluate.jobkinds` and the
families' job kinds (``kinds_<family>.py``, copied next to it) only; it imports nothing else of the
project.

Three kinds of process, so that a job can change only its own outcome:

- the **reporter** (this process) reads ``<10-digit length><header JSON>`` then one job per line
  on stdin and writes ``<nonce> {"i", "ok", "value", "error"}`` lines to the original stdout. It
  never runs generated code, is not dumpable (its memory, descriptors and ``/proc`` entries are
  closed to the jobs, which run under the same uid), and writes job ``i``'s line only after every
  other process of the sandbox is gone and the zygote answers: a job that kills or stops the
  reporter or the zygote loses its own line (the suite then scores it a failure and runs the
  jobs after it again in a fresh sandbox), never another job's;
- the **zygote**, forked before any job is read (it holds no job), imports the batch's libraries
  and forks one **job process** per job, whose socket it hands to the reporter;
- a **job process** gets its one job over that socket, closes every other descriptor, puts
  itself under a seccomp filter that refuses creating processes (threads stay allowed; skipped
  where the filter cannot be built), runs the job in a fresh folder and sends back plain JSON.

A ``module_test``'s test (HumanEval's, for instance) runs in the reporter, never with the generated code: each function of the
generated module is a proxy whose arguments and results cross the socket as tagged JSON (tuples,
sets, dicts, floats kept), so a test compares plain values and no predicted object's ``__eq__``
is ever called. Job kinds: :mod:`analysis.evaluate.jobkinds`.
"""

import builtins
import contextlib
import ctypes
import json
import os
import platform
import resource
import shutil
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jobkinds import KINDS, MAX_MESSAGE, PRELOAD, WARM, decode, encode, send


def _family_kinds():
    """Add the job kinds of every ``kinds_<family>.py`` next to this file (a kind defined twice
    stops the harness: no job would know which one it runs)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(here)):
        if name.startswith("kinds_") and name.endswith(".py"):
            module = __import__(name[:-3])
            for table, own in ((KINDS, module.KINDS), (WARM, module.WARM), (PRELOAD, module.PRELOAD)):
                clash = set(table) & set(own)
                if clash:
                    raise SystemExit(f"{name}: job kind(s) {sorted(clash)} defined twice")
                table.update(own)


_family_kinds()

WORK = "/tmp" if len(sys.argv) < 3 else sys.argv[2]


class JobTimeout(BaseException):
    pass


def _alarm(signum, frame):
    raise JobTimeout("job time limit")


# --- process plumbing ----------------------------------------------------------------------------


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _no_new_processes():
    """Seccomp filter: fork/vfork/clone without CLONE_THREAD fail with EPERM, clone3 with ENOSYS
    (so threads fall back to clone). Returns False where it cannot be installed."""
    arches = {"x86_64": (0xC000003E, 56, 57, 58), "aarch64": (0xC00000B7, 220, None, None)}
    if platform.machine() not in arches:
        return False
    arch, clone, fork, vfork = arches[platform.machine()]
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
    ld, jeq, jset, ret, jge = 0x20, 0x15, 0x45, 0x06, 0x35
    prog = [
        (ld, 0, 0, 4),
        (jeq, 1, 0, arch),
        (ret, 0, 0, allow),
        (ld, 0, 0, 0),
        (jge, 6, 0, 0x40000000),
        (jeq, 5, 0, fork if fork is not None else 0xFFFFFFFF),
        (jeq, 4, 0, vfork if vfork is not None else 0xFFFFFFFF),
        (jeq, 4, 0, 435),
        (jeq, 0, 4, clone),
        (ld, 0, 0, 16),
        (jset, 2, 0, 0x10000),
        (ret, 0, 0, eperm),
        (ret, 0, 0, enosys),
        (ret, 0, 0, allow),
    ]
    # indices: 11 eperm, 12 enosys, 13 allow; jumps are relative to the next instruction
    prog[4] = (jge, 11 - 5, 0, 0x40000000)
    prog[5] = (jeq, 11 - 6, 0, prog[5][3])
    prog[6] = (jeq, 11 - 7, 0, prog[6][3])
    prog[7] = (jeq, 12 - 8, 0, 435)
    prog[8] = (jeq, 0, 13 - 9, clone)
    prog[10] = (jset, 13 - 11, 0, 0x10000)
    filt = b"".join(struct.pack("HBBI", *ins) for ins in prog)
    buf = ctypes.create_string_buffer(filt)
    fprog = struct.pack("HxxxxxxP", len(prog), ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog)
    prctl = _libc().prctl
    ulong = ctypes.c_ulong
    if prctl(38, ulong(1), ulong(0), ulong(0), ulong(0)) != 0:  # PR_SET_NO_NEW_PRIVS
        return False
    return prctl(22, ulong(2), ulong(ctypes.addressof(fbuf)), ulong(0), ulong(0)) == 0  # SECCOMP_MODE_FILTER


def _job_process(conn, header):
    """A job process (forked by the zygote): never returns."""
    keep = conn.fileno()
    for fd in [int(f) for f in os.listdir("/proc/self/fd")]:
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):
                os.close(fd)
    os.setpgid(0, 0)
    folder = os.path.join(WORK, f"job-{os.getpid()}")
    os.mkdir(folder, 0o700)
    os.chdir(folder)
    cpu = int(header["job_seconds"]) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if header.get("seccomp"):
        _no_new_processes()
    reply = {"ok": False, "value": None, "error": None}
    try:
        job = json.loads(conn.makefile("rb").readline(MAX_MESSAGE))
        reply["value"] = KINDS[job["kind"]](job, header.get("shared") or {}, conn)
        reply["ok"] = True
    except BaseException as err:  # a generated program's failure, whatever it is
        reply["error"] = f"{type(err).__name__}: {str(err)[:200]}"
    try:
        send(conn, reply)
    except (TypeError, ValueError):
        send(conn, {"ok": False, "value": None, "error": "result is not JSON"})
    except OSError:
        pass
    os._exit(0)


def _zygote(sock, header):
    """Fork one job process per request and hand its socket to the reporter."""
    for name in {m for k in header.get("kinds", ()) for m in PRELOAD.get(k, ())}:
        with contextlib.suppress(ImportError):
            __import__(name)
    for kind in header.get("kinds", ()):  # first calls import and build caches: forks inherit them
        with contextlib.suppress(Exception):
            KINDS[kind](WARM[kind], header.get("shared") or {}, None)
    while True:
        cmd = sock.recv(1)
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        if not cmd:
            os._exit(0)
        if cmd == b"p":
            sock.sendall(b"p")
            continue
        mine, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            sock.close()
            mine.close()
            _job_process(theirs, header)
        theirs.close()
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)
        socket.send_fds(sock, [struct.pack("i", pid)], [mine.fileno()])
        mine.close()


def _read_header():
    size = b""
    while len(size) < 10:
        chunk = os.read(0, 10 - len(size))
        if not chunk:
            raise SystemExit(0)
        size += chunk
    body, want = b"", int(size)
    while len(body) < want:
        chunk = os.read(0, want - len(body))
        if not chunk:
            raise SystemExit(0)
        body += chunk
    return json.loads(body)


class Remote:
    """A function of the generated module, called across the socket with plain data."""

    def __init__(self, name, reader, conn):
        self.name, self.reader, self.conn = name, reader, conn

    def __call__(self, *args, **kwargs):
        send(self.conn, {"fn": self.name, "args": encode(list(args)), "kwargs": encode(kwargs)})
        reply = json.loads(self.reader.readline(MAX_MESSAGE) or b"null")
        if type(reply) is not dict or ("value" not in reply and "raises" not in reply):
            raise RuntimeError("the generated code did not answer")
        if "raises" in reply:
            exc = getattr(builtins, str(reply["raises"]), None)
            if isinstance(exc, type) and issubclass(exc, Exception):
                raise exc("raised by the generated code")
            raise RuntimeError(f"{reply['raises']} raised by the generated code")
        return decode(reply["value"])


def _drive(job, conn):
    """Run ``job`` in its job process; the reporter's side (a ``module_test``'s test runs here)."""
    send(conn, job)
    reader = conn.makefile("rb")
    if job["kind"] == "module_test":
        hello = json.loads(reader.readline(MAX_MESSAGE) or b"null")
        if type(hello) is not dict or type(hello.get("names")) is not list:  # only this process judges a pass
            error = (
                hello.get("error") if type(hello) is dict and type(hello.get("error")) is str else "no answer"
            )
            return {"ok": False, "error": error}
        names = [n for n in hello["names"] if type(n) is str][:1000]
        env = {"__name__": "__test__", **{n: Remote(n, reader, conn) for n in names}}
        exec(compile(job["test"], "<test>", "exec"), env)
        env["check"](Remote(job["entry"], reader, conn))
        return {"ok": True, "value": True}
    reply = json.loads(reader.readline(MAX_MESSAGE) or b"null")
    return reply if type(reply) is dict else {"ok": False, "error": "no answer"}


def _pids():
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    state = fh.read().rsplit(b")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state not in (b"Z", b"X"):
                out.append(int(name))
    return out


def _clean(keep, zsock, pidns):
    """Kill every process but ``keep`` (only inside the sandbox's own PID namespace), empty the
    writable folders, and check the zygote answers; False when the sandbox is not sound."""
    for _ in range(200):
        others = [p for p in _pids() if p not in keep] if pidns else []
        if not others:
            break
        for pid in others:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.002)
    else:
        return False
    for top in (WORK, "/dev/shm") if pidns else (WORK,):
        for name in os.listdir(top) if os.path.isdir(top) else []:
            path = os.path.join(top, name)
            if os.path.isdir(path) and not os.path.islink(path):
                for root, dirs, _ in os.walk(path):
                    for d in dirs:
                        os.chmod(os.path.join(root, d), 0o700)
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(path)
    try:
        zsock.settimeout(5.0)
        zsock.sendall(b"p")
        return zsock.recv(1) == b"p"
    except OSError:
        return False


def _outcome(i, reply):
    record = {"i": i, "ok": bool(reply.get("ok")), "value": reply.get("value"), "error": None}
    if reply.get("error") is not None:
        record["error"] = str(reply["error"])[:300]
    try:
        line = json.dumps(record)
    except (TypeError, ValueError):
        line = json.dumps({"i": i, "ok": False, "value": None, "error": "result is not JSON"})
    return line if len(line) < MAX_MESSAGE else json.dumps({"i": i, "ok": False, "error": "result too large"})


def main():
    header = _read_header()
    out_fd = os.dup(1)
    sink = os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (for the life of the process)
    _libc().prctl(
        4, ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)
    )  # PR_SET_DUMPABLE 0: no ptrace, /proc/<pid>/mem or fd of ours
    nonce = header.pop("nonce")  # not in the header the zygote (and so every job) inherits
    zsock, theirs = socket.socketpair()
    zpid = os.fork()
    if zpid == 0:
        os.close(out_fd)
        os.close(0)
        zsock.close()
        _zygote(theirs, header)
    theirs.close()
    pidns = bool(header.get("pidns")) and os.getpid() < 10
    keep = {1, os.getpid(), zpid}
    signal.signal(signal.SIGALRM, _alarm)
    for i, line in enumerate(sys.stdin.buffer):
        job = json.loads(line)
        zsock.settimeout(30.0)
        zsock.sendall(b"f")
        msg, fds, _, _ = socket.recv_fds(zsock, 16, 1)
        pid = struct.unpack("i", msg)[0]
        conn = socket.socket(fileno=fds[0])
        try:
            signal.setitimer(signal.ITIMER_REAL, float(header["job_seconds"]))
            reply = _drive(job, conn)
        except BaseException as err:  # the job's failure (time limit, bad answer, failed test)
            reply = {"ok": False, "error": f"{type(err).__name__}: {str(err)[:200]}"}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            conn.close()
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(OSError):
                kill(pid, signal.SIGKILL)
        if not _clean(keep, zsock, pidns):
            os._exit(3)  # this job's line is not written: it is the one blamed
        os.write(out_fd, (nonce + " " + _outcome(i, reply) + "\n").encode())


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.path.insert(0, sys.argv[1])
    main()
