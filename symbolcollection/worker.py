"""Checking untrusted rows with a time limit: the checkers run in a forked worker process.

A row's output (and the regexes, schemas and documents that come with it) is untrusted: a
catastrophic regex, a huge power or a deeply nested formula could keep a checker busy for
hours. :class:`TimedChecker` sends each sample to a worker, waits at most ``timeout`` seconds
and, when the worker does not answer, kills it (and starts a fresh one for the next row) and
reports the row as invalid with the reason. The worker also has a memory cap (``RLIMIT_AS``)
and a deep stack, so that a long but valid flat formula is parsed instead of being rejected
by Python's recursion limit, and a crash of a native parser only costs that row.

The worker is forked after the checkers' libraries are imported (:func:`warm`), so a restart
costs a fork.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from symbolcollection.registry import find, reason
from symbolcollection.schema import Sample

#: Seconds one row's check may take before the row is reported invalid.
CHECK_TIMEOUT_S = 3.0
#: Memory the worker may use beyond what it has at start (bytes).
CHECK_MEMORY_BYTES = 2 << 30
#: Functions the worker may run besides ``reason`` (registered by name before the worker starts;
#: the worker is forked, so it inherits them): ``TimedChecker.calls(name, argument tuples)``.
CALLS: dict[str, Callable[..., Any]] = {}
#: Stack of the thread that runs a check, and the recursion limit that goes with it.
_STACK_BYTES = 256 << 20
_RECURSION_LIMIT = 60_000


def warm(family: str) -> None:
    """Import ``family``'s checker and its parsers in this process (a trivial check builds them).

    The worker is forked from this process, so what is warm here costs it nothing: the time
    limit then measures the check, not a first import.
    """
    if find(family) is not None:
        reason(Sample("warm-up", "warm-up", family, "", "", "1", "warm-up"))


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _no_network(*args: Any, **kwargs: Any) -> Any:
    raise OSError("network access is disabled while checking untrusted rows")


def _one(item: Any) -> Any:
    """The answer to one request: ``reason`` of a sample dict, or ``[True, value]`` /
    ``[False, why]`` of a registered call ``("call", name, args)``."""
    call = isinstance(item, tuple) and item[:1] == ("call",)
    try:
        if call:
            return [True, CALLS[item[1]](*item[2])]
        return reason(Sample(**item))
    except MemoryError:
        why = "checking it needs more memory than allowed (output too costly to check)"
    except RecursionError:
        why = "nested too deeply to check"
    except Exception as err:  # a registered call's failure is its answer, one line
        why = f"{type(err).__name__}: {str(err)[:200]}"
    return [False, why] if call else why


def _serve(conn: Any, memory: int) -> None:
    """Worker loop: receive a sample dict, answer with its reason (or None); run in a deep-stack thread.

    The worker cannot open connections (belt and braces: no checker follows a URL anyway).
    """
    import socket

    socket.socket.connect = socket.socket.connect_ex = _no_network  # type: ignore[method-assign]
    socket.create_connection = socket.getaddrinfo = _no_network  # type: ignore[assignment]
    limit = _vm_bytes() + memory
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.setrecursionlimit(_RECURSION_LIMIT)

    def loop() -> None:
        while True:
            try:
                batch = conn.recv()
            except (EOFError, OSError):
                return
            for item in batch:  # one answer per row, sent as soon as it is known
                conn.send_bytes(json.dumps(_one(item)).encode())

    threading.stack_size(_STACK_BYTES)
    worker = threading.Thread(target=loop, daemon=True)
    worker.start()
    worker.join()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class TimedChecker:
    """``reason(sample)`` of :mod:`symbolcollection.registry` (each family's checker), in a worker with a per-row time limit.

    Rows go to the worker in batches and answers stream back one per row, so a busy machine
    does not pay a round trip per row. The limit is the worker's *CPU* time on one row
    (``timeout`` seconds), so a loaded machine does not turn slow-but-fine rows into
    rejections; a row also fails after ``wall_factor × timeout`` seconds of wall time.
    Use as a context manager (the worker is stopped on exit).
    """

    def __init__(
        self, timeout: float = CHECK_TIMEOUT_S, memory: int = CHECK_MEMORY_BYTES, wall_factor: float = 20.0
    ) -> None:
        self.timeout, self.memory, self.wall = timeout, memory, max(30.0, wall_factor * timeout)
        self._proc: Any = None
        self._conn: Any = None
        self._warm: set[str] = set()

    def _start(self) -> None:
        ctx = mp.get_context("fork")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, self.memory), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def _stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join()
            self._conn.close()
        self._proc = self._conn = None

    def _prepare(self, samples: Sequence[Sample]) -> None:
        """Warm the families not seen yet (restarting the worker so it inherits them), then start it."""
        new = {s.family for s in samples} - self._warm
        for family in sorted(new):
            self._warm.add(family)
            warm(family)
        if new:
            self._stop()  # the next worker is forked with the new families' parsers loaded
        if self._proc is None or not self._proc.is_alive():
            self._start()

    def _answer(self, family: str) -> str | None:
        """The worker's answer for the row it is on, or the reason it was stopped (then it is gone)."""
        cpu0, t0 = _cpu_seconds(self._proc.pid), time.monotonic()
        try:
            while not self._conn.poll(min(0.05, self.timeout)):
                if _cpu_seconds(self._proc.pid) - cpu0 > self.timeout or time.monotonic() - t0 > self.wall:
                    self._stop()
                    return f"{family}: checking took over {self.timeout:g} s of CPU time (output too costly to check; not accepted)"
            return json.loads(self._conn.recv_bytes(64 << 20))
        except (EOFError, OSError, ValueError, RecursionError):
            self._stop()
            return f"{family}: the checker crashed on this output (too large or malformed to check)"

    def _stream(
        self, requests: Sequence[Any], labels: Sequence[str], warm_for: Sequence[Sample]
    ) -> list[Any]:
        """The worker's answer to each request, in order; a string (the reason) for a request
        that went over the limit or crashed the worker."""
        out: list[Any] = []
        while len(out) < len(requests):
            rest, names = requests[len(out) :], labels[len(out) :]
            self._prepare(warm_for)
            try:
                self._conn.send(list(rest))
            except (OSError, ValueError):
                self._stop()
            for label in names:
                out.append(self._answer(label) if self._proc is not None else "the checker could not start")
                if self._proc is None:
                    break  # the worker was stopped: the remaining requests go to a fresh one
        return out

    def reasons(self, samples: Sequence[Sample]) -> list[str | None]:
        """Why each sample is invalid (or None), in order; a check over the limit or crashing is a reason."""
        answers = self._stream([s.to_dict() for s in samples], [s.family for s in samples], samples)
        return [a if a is None or isinstance(a, str) else "the checker gave no reason" for a in answers]

    def calls(
        self,
        name: str,
        args: Sequence[tuple[Any, ...]],
        warm_for: Sequence[Sample] = (),
        label: str = "check",
    ) -> list[tuple[bool, Any]]:
        """``(True, value)`` or ``(False, why)`` of the registered :data:`CALLS` ``name`` on each
        argument tuple, in the worker (each call under the per-row limits; the families of
        ``warm_for`` are warmed first). Values come back as JSON, never as pickles."""
        answers = self._stream([("call", name, tuple(a)) for a in args], [label] * len(args), warm_for)
        return [
            (a[0] is True, a[1]) if isinstance(a, list) and len(a) == 2 else (False, str(a)) for a in answers
        ]

    def reason(self, sample: Sample) -> str | None:
        """Why ``sample`` is invalid (or None): :meth:`reasons` of one row."""
        return self.reasons([sample])[0]

    def close(self) -> None:
        """Stop the worker."""
        self._stop()

    def __enter__(self) -> TimedChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
