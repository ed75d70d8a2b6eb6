"""Benchmark: jobs per second through the bubblewrap sandbox vs the runner it replaced.

Run from the repo root: ``.venv/bin/python benchmarks/bench_sandbox.py [--per-family 8] [--repeats 3]``.

The jobs are what the evaluation runs for gold answers of the test split's families whose execution
check runs sandbox jobs (``--per-family`` samples each), batched 32 to a sandbox as :class:`~analysis.evaluate.checks.Executor` sends them. The
baseline is today's runner before this change (``analysis/evaluate/sandbox.py`` and
``harness.py`` at commit :data:`BASELINE`, read from git: ``python -I``, own session, rlimits, every
job in the one harness process); ours is :func:`analysis.evaluate.sandbox.run_jobs` in ``bwrap``
mode (a sandbox start per batch, a zygote fork per job, clean-up after each job), and, for
reference, the same runner ``unsandboxed``. Each is warmed once; medians of ``--repeats``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "ef3b8eb"


def _baseline_module(folder: Path):
    """The runner of :data:`BASELINE` (its sandbox.py and harness.py), imported from ``folder``."""
    for name in ("sandbox.py", "harness.py"):
        got = subprocess.run(
            ["git", "show", f"{BASELINE}:analysis/evaluate/{name}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if got.returncode != 0:
            raise SystemExit(
                f"bench_sandbox: the baseline runner needs the git history ({BASELINE}): "
                f"{got.stderr.strip()[:200]}"
            )
        (folder / name).write_text(got.stdout)
    spec = importlib.util.spec_from_file_location("baseline_sandbox", folder / "sandbox.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_sandbox"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _jobs(per_family: int) -> tuple[list[dict], dict]:
    from analysis.evaluate.selection import select
    from symbolcollection import load_split, registry

    chosen = select(load_split("test"), "family", per_family, 0)
    runs = [f.execution for f in registry.families() if f.execution and f.execution.jobs]
    shared: dict = {}
    for e in runs:
        shared |= e.shared() if e.shared else {}
    jobs = [
        j
        for f, e in zip(_executing(), runs, strict=True)
        for s in chosen.get(f, [])
        for j in e.jobs(s, s.output)
    ]
    return jobs, shared


def _executing() -> list[str]:
    """The families whose execution check runs sandbox jobs, in registry order."""
    from symbolcollection import registry

    return [f.name for f in registry.families() if f.execution and f.execution.jobs]


def _rate(run, jobs: list[dict], repeats: int) -> tuple[float, int]:
    run(jobs[:4])  # warm: imports, caches
    times, ok = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = run(jobs)
        times.append(time.perf_counter() - t0)
        ok = sum(o.ok for o in out)
    return len(jobs) / statistics.median(times), ok


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--per-family", type=int, default=8)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    from analysis.evaluate.sandbox import Limits, bwrap_status, run_jobs

    works, why = bwrap_status()
    if not works:
        raise SystemExit(f"bench_sandbox needs a working bubblewrap: {why}")
    jobs, shared = _jobs(args.per_family)
    print(
        f"{len(jobs)} jobs ({', '.join(_executing())}; {args.per_family} gold samples each), batches of 32, "
        f"load avg {os.getloadavg()[0]:.2f}; medians of {args.repeats}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        old = _baseline_module(Path(tmp))
        base, base_ok = _rate(
            lambda j: old.run_jobs(j, shared=shared, limits=old.Limits()), jobs, args.repeats
        )
        ours, ours_ok = _rate(lambda j: run_jobs(j, shared=shared, limits=Limits()), jobs, args.repeats)
        plain, plain_ok = _rate(
            lambda j: run_jobs(j, shared=shared, limits=Limits(), mode="unsandboxed"), jobs, args.repeats
        )
    print(f"{'runner':<40} {'jobs/s':>8} {'ok':>5}")
    print(f"{f'before this change ({BASELINE}, baseline)':<40} {base:>8.1f} {base_ok:>5}")
    print(f"{'bwrap sandbox (ours)':<40} {ours:>8.1f} {ours_ok:>5}")
    print(f"{'same runner, --allow-unsandboxed':<40} {plain:>8.1f} {plain_ok:>5}")
    print(
        f"sandbox: {ours / base:.2f}x jobs/s vs the runner before this change ({len(jobs)} gold jobs, "
        f"batches of 32; target >= 0.5x)"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
