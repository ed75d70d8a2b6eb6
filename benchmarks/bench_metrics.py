"""Benchmark: blockwise uniformity (analysis.metrics) vs the torch.pdist reference formula.

Run from the repo root: ``.venv/bin/python benchmarks/bench_metrics.py [--repeats 3] [--skip-large]``.

Each implementation runs in its own fresh subprocess so that peak memory can be read from
``ru_maxrss``: the subprocess generates the seeded input (unit vectors, float32), records its peak
RSS as the baseline, then runs the metric ``--repeats`` times; "peak delta" is the peak RSS after
minus the baseline, i.e. what the computation itself needed on top of its input. Both
implementations get the same already-normalised input (ours still checks and renormalises it, and
that is timed). Times are medians of the repeats.

The large case (N=100,000, d=4096) stores the input as float16 (0.8 GB), generated 4,096 rows at a
time from a seeded generator (never a float32 copy of the whole set); the metric upcasts one block
at a time. Its row reports the whole process's peak RSS, which must stay under 2 GB. The reference
cannot run there (its n(n−1)/2 float32 distances alone would be 20 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _worker import peak_mb, run_worker

SMALL = (20_000, 576)
LARGE = (100_000, 4_096)
T = 2.0
SEED = 0


def _make_input(n: int, d: int, half: bool):  # -> torch.Tensor
    import torch

    gen = torch.Generator().manual_seed(SEED)
    x = torch.empty(n, d, dtype=torch.float16 if half else torch.float32)
    for r0 in range(0, n, 4096):
        chunk = torch.randn(min(4096, n - r0), d, generator=gen)
        x[r0 : r0 + len(chunk)] = chunk / chunk.norm(dim=1, keepdim=True)
    return x


def worker(kind: str, n: int, d: int, repeats: int, half: bool) -> None:
    """Run one implementation ``repeats`` times in this process; print a JSON line of results."""
    import torch

    from analysis.metrics.geometry import uniformity

    x = _make_input(n, d, half)
    baseline = peak_mb()
    times, value = [], float("nan")
    for _ in range(repeats):
        start = time.perf_counter()
        if kind == "ours":
            value = uniformity(x, T).value
        else:
            value = float(torch.pdist(x).pow(2).mul(-T).exp().mean().log())
        times.append(time.perf_counter() - start)
    peak = peak_mb()
    print(json.dumps({"times": times, "value": value, "baseline_mb": baseline, "peak_mb": peak}))


def _run(kind: str, n: int, d: int, repeats: int, half: bool = False) -> dict:
    return run_worker(__file__, [kind, str(n), str(d), str(repeats), *(["--half"] if half else [])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-large", action="store_true", help="skip the N=100k, d=4096 case")
    parser.add_argument("--worker", nargs=4, metavar=("KIND", "N", "D", "REPEATS"), help=argparse.SUPPRESS)
    parser.add_argument("--half", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, n, d, repeats = args.worker
        worker(kind, int(n), int(d), int(repeats), args.half)
        return

    import torch

    n, d = SMALL
    print(
        f"uniformity, t={T}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"load avg {os.getloadavg()[0]:.2f}; medians of {args.repeats} runs, each impl in a fresh process"
    )
    ref = _run("pdist", n, d, args.repeats)
    ours = _run("ours", n, d, args.repeats)
    rows = [("pdist reference", f"{n}x{d} fp32", ref), ("blockwise (ours)", f"{n}x{d} fp32", ours)]
    if not args.skip_large:
        rows.append(("blockwise (ours)", f"{LARGE[0]}x{LARGE[1]} fp16", _run("ours", *LARGE, 1, half=True)))

    print(
        f"{'implementation':<18} {'input':<18} {'median s':>9} {'runs':>4} {'peak delta MB':>14} "
        f"{'peak RSS MB':>12} {'value':>20}"
    )
    for name, shape, r in rows:
        print(
            f"{name:<18} {shape:<18} {r['median_s']:>9.2f} {len(r['times']):>4} {r['delta_mb']:>14.1f} "
            f"{r['peak_mb']:>12.1f} {r['value']:>20.12f}"
        )
    if not args.skip_large:
        large = rows[-1][2]
        verdict = "within" if large["peak_mb"] <= 2048 else "OVER"
        print(
            f"large case: whole-process peak RSS {large['peak_mb']:.0f} MB ({verdict} the 2 GB budget); "
            "input generated in 4096-row chunks as fp16 (0.8 GB), upcast per block"
        )
    speed = ref["median_s"] / ours["median_s"]
    mem = ours["delta_mb"] / ref["delta_mb"]
    rel = abs(ours["value"] - ref["value"]) / abs(ref["value"])
    print(
        f"uniformity: {speed:.2f}x speed vs torch.pdist reference (N={n}, d={d}; peak memory {mem:.3f}x, rel diff {rel:.1e})"
    )


if __name__ == "__main__":
    main()
