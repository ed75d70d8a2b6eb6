"""Benchmark: debiased linear CKA in feature space (analysis.metrics) vs the n×n-Gram formula.

Run from the repo root: ``.venv/bin/python benchmarks/bench_similarity.py [--repeats 3] [--skip-large]``.

Each implementation runs in its own fresh subprocess so that peak memory can be read from
``ru_maxrss``: the subprocess generates the seeded input (``x [N, d]`` float32 and
``y = tanh(x W) + noise``), records its peak RSS as the baseline, then runs the metric
``--repeats`` times; "peak delta" is the peak after minus that baseline, i.e. what the computation
itself needed on top of its input. Times are medians of the repeats.

- baseline, ``gram``: the unbiased HSIC of Song et al. (2012) written with the two ``N × N``
  float64 Gram matrices (diagonals zeroed; ``tr(K̃L̃)`` as a flat dot product so no third
  ``N × N`` temporary is made), CKA = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L));
- ours, ``features``: :func:`analysis.metrics.similarity.linear_cka` (``xᵀy``, row norms and
  column sums in float64 row blocks; O(N·d²) time, O(d²) memory).

The large case (N = 100,000, d = 4,096) cannot hold its input in 2 GB (x and y alone are 3.3 GB
in float32), so it streams: 4,096-row blocks of x and y are generated from a seeded generator and
fed to :class:`analysis.metrics.similarity.CrossMoments` (the accumulator ``linear_cka`` uses),
one for each of xᵀy, xᵀx and yᵀy. Its row reports the whole process's peak RSS, which must stay
under 2 GB. The Gram formula cannot run there (one 100,000² float64 Gram matrix is 80 GB).
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
BLOCK = 4_096
SEED = 0


def _block(gen, rows: int, d: int, w):  # -> tuple[torch.Tensor, torch.Tensor]
    import torch

    x = torch.randn(rows, d, generator=gen)
    y = torch.tanh(x @ w / d**0.5) + 0.5 * torch.randn(rows, d, generator=gen)
    return x, y


def _make_input(n: int, d: int):  # -> tuple[torch.Tensor, torch.Tensor]
    import torch

    gen = torch.Generator().manual_seed(SEED)
    w = torch.randn(d, d, generator=gen)
    x, y = torch.empty(n, d), torch.empty(n, d)
    for r0 in range(0, n, BLOCK):
        x[r0 : r0 + BLOCK], y[r0 : r0 + BLOCK] = _block(gen, min(BLOCK, n - r0), d, w)
    return x, y


def gram_cka(x, y) -> float:
    """The baseline: unbiased HSIC with the n×n Gram matrices, float64."""
    import torch

    n = x.shape[0]
    k = x.to(torch.float64) @ x.to(torch.float64).T
    k.fill_diagonal_(0.0)
    l = y.to(torch.float64) @ y.to(torch.float64).T  # noqa: E741
    l.fill_diagonal_(0.0)
    k1, l1 = k.sum(dim=1), l.sum(dim=1)

    def hsic(a, a1, b, b1) -> float:
        trace = float(torch.dot(a.view(-1), b.view(-1)))
        total = float(a1.sum()) * float(b1.sum()) / ((n - 1) * (n - 2))
        return (trace + total - 2.0 / (n - 2) * float(a1 @ b1)) / (n * (n - 3))

    return hsic(k, k1, l, l1) / (hsic(k, k1, k, k1) * hsic(l, l1, l, l1)) ** 0.5


def worker(kind: str, n: int, d: int, repeats: int) -> None:
    """Run one implementation ``repeats`` times in this process; print a JSON line of results."""
    import torch

    from analysis.metrics.similarity import CrossMoments, cka_from_hsic, linear_cka

    times, value = [], float("nan")
    if kind == "stream":
        baseline = peak_mb()
        start = time.perf_counter()
        gen = torch.Generator().manual_seed(SEED)
        w = torch.randn(d, d, generator=gen)
        xy, xx, yy = (CrossMoments.zeros(d, d) for _ in range(3))
        for r0 in range(0, n, BLOCK):
            x, y = (t.to(torch.float64) for t in _block(gen, min(BLOCK, n - r0), d, w))
            xy.update(x, y)
            xx.update(x, x)
            yy.update(y, y)
        value = cka_from_hsic(xy.hsic(), xx.hsic(), yy.hsic())
        times.append(time.perf_counter() - start)
    else:
        x, y = _make_input(n, d)
        baseline = peak_mb()
        for _ in range(repeats):
            start = time.perf_counter()
            value = linear_cka(x, y) if kind == "features" else gram_cka(x, y)
            times.append(time.perf_counter() - start)
    print(json.dumps({"times": times, "value": value, "baseline_mb": baseline, "peak_mb": peak_mb()}))


def _run(kind: str, n: int, d: int, repeats: int) -> dict:
    return run_worker(__file__, [kind, str(n), str(d), str(repeats)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-large", action="store_true", help="skip the N=100k, d=4096 case")
    parser.add_argument("--worker", nargs=4, metavar=("KIND", "N", "D", "REPEATS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, n, d, repeats = args.worker
        worker(kind, int(n), int(d), int(repeats))
        return

    import torch

    n, d = SMALL
    print(
        f"debiased linear CKA, torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"load avg {os.getloadavg()[0]:.2f}; medians of {args.repeats} runs, each impl in a fresh process"
    )
    ref = _run("gram", n, d, args.repeats)
    ours = _run("features", n, d, args.repeats)
    rows = [("n×n Gram reference", f"{n}x{d} fp32", ref), ("feature space (ours)", f"{n}x{d} fp32", ours)]
    if not args.skip_large:
        rows.append(("feature space, streamed", f"{LARGE[0]}x{LARGE[1]}", _run("stream", *LARGE, 1)))
    print(
        f"{'implementation':<24} {'input':<16} {'median s':>9} {'runs':>4} {'peak delta MB':>14} "
        f"{'peak RSS MB':>12} {'value':>18}"
    )
    for name, shape, r in rows:
        print(
            f"{name:<24} {shape:<16} {r['median_s']:>9.2f} {len(r['times']):>4} {r['delta_mb']:>14.1f} "
            f"{r['peak_mb']:>12.1f} {r['value']:>18.12f}"
        )
    if not args.skip_large:
        large = rows[-1][2]
        verdict = "within" if large["peak_mb"] <= 2048 else "OVER"
        print(
            f"large case: whole-process peak RSS {large['peak_mb']:.0f} MB ({verdict} the 2 GB budget), "
            f"{large['median_s']:.0f} s; input streamed in {BLOCK}-row blocks"
        )
    diff = abs(ours["value"] - ref["value"])
    verdict = "same value" if diff <= 1e-6 else "VALUES DIFFER"
    speed = ref["median_s"] / ours["median_s"]
    mem = ref["delta_mb"] / max(ours["delta_mb"], 1.0)
    print(
        f"similarity: {speed:.1f}x speed vs n×n Gram reference (N={n}, d={d}; peak memory {mem:.0f}x less, "
        f"|ΔCKA| {diff:.1e}: {verdict})"
    )


if __name__ == "__main__":
    main()
