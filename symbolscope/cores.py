"""How many worker processes a command may start: never more than the cores it may run on.

``--jobs``/``--workers`` flags go through :func:`worker_count`: ``-1`` means every usable core,
a positive count is clamped to the usable cores (``os.sched_getaffinity``: the cores this process
may run on, which a container or ``taskset`` narrows), anything else is one :class:`UserError`.
"""

from __future__ import annotations

import os

from symbolscope.errors import UserError, get_logger

#: Counts above this are refused outright (a typo such as ``--jobs 1000``), not clamped.
MAX_JOBS = 256

log = get_logger("cores")
_WARNED: set[tuple[str, int]] = set()


def usable_cores() -> int:
    """The number of cores this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no affinity API (macOS)
        return max(1, os.cpu_count() or 1)


def worker_count(jobs: int, flag: str = "--jobs", *, warn: bool = True) -> int:
    """Workers to start for ``jobs`` (``-1`` = every usable core): ``1 <= n <= usable_cores()``.

    Raises :class:`UserError` naming ``flag`` for 0, values below -1, non-integers and counts
    above :data:`MAX_JOBS`; with ``warn`` logs one warning when a count is clamped to the cores.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs == 0 or jobs < -1 or jobs > MAX_JOBS:
        raise UserError(f"{flag} must be -1 (every core) or an integer from 1 to {MAX_JOBS}, got {jobs!r}")
    cores = usable_cores()
    if jobs == -1:
        return cores
    if jobs > cores:
        if warn and (flag, jobs) not in _WARNED:  # once per process
            _WARNED.add((flag, jobs))
            log.warning("%s %d: only %d core(s) usable here; starting %d worker(s)", flag, jobs, cores, cores)
        return cores
    return jobs
