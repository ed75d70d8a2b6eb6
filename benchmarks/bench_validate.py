"""Benchmark: checking released rows in a time-limited worker (``TimedChecker``) vs in-process.

Run from the repo root: ``.venv/bin/python benchmarks/bench_validate.py [--rows 5000] [--repeats 3]``.

The rows are the embedded collection's ``train`` split (cycled to ``--rows``), the ordinary
content ``python -m symbolcollection validate`` sees. The baseline calls
:func:`symbolcollection.registry.reason` in this process (no time limit: what validate did before);
ours sends every row through :class:`symbolcollection.worker.TimedChecker`. Both are warmed
(each family checked once) before timing; medians of ``--repeats`` passes. The last line also
gives the wall time of one full ``validate`` CLI run on the same file (file reading, worker
start-up and report included), which the issue wants under a minute for 5,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _samples(n: int) -> list:
    from symbolcollection.collection import ensure_collection
    from symbolcollection.store import read_split

    rows = read_split(ensure_collection(0), "train")
    return [rows[i % len(rows)] for i in range(n)]


def _timed(fn, samples: list, repeats: int) -> tuple[float, int]:
    times, bad = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        bad = sum(fn(s) is not None for s in samples)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), bad


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=5000)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    from symbolcollection.registry import reason
    from symbolcollection.worker import TimedChecker

    samples = _samples(args.rows)
    families = {s.family: s for s in samples}
    print(
        f"{args.rows} rows, {len(families)} families, load avg {os.getloadavg()[0]:.2f}; medians of {args.repeats}"
    )
    for s in families.values():
        reason(s)
    base_s, base_bad = _timed(reason, samples, args.repeats)
    with TimedChecker() as checker:
        for s in families.values():
            checker.reason(s)
        ours_s, ours_bad = _timed(checker.reason, samples, args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.jsonl"
        path.write_text("".join(json.dumps(s.to_dict()) + "\n" for s in samples))
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "symbolcollection", "validate", str(path)],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        cli_s = time.perf_counter() - t0
    print(f"{'checker':<28} {'median s':>9} {'rows/s':>8} {'invalid':>8}")
    print(f"{'in-process (baseline)':<28} {base_s:>9.2f} {args.rows / base_s:>8.0f} {base_bad:>8}")
    print(f"{'TimedChecker worker (ours)':<28} {ours_s:>9.2f} {args.rows / ours_s:>8.0f} {ours_bad:>8}")
    print(
        f"validate: {base_s / ours_s:.2f}x speed vs in-process checks ({args.rows} rows; "
        f"ours adds a per-row time limit; full CLI run {cli_s:.1f} s)"
    )


if __name__ == "__main__":
    main()
