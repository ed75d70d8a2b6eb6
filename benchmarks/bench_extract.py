"""Benchmark: analysis.extract vs a naive ``output_hidden_states=True`` loop, same samples and layers.

Both extract every layer (0..L and the final norm) of the embedded ``base`` model, mean-pooled
over the ``symbol`` span of every sample of the analysis split (spans from the same
``symbolcollection.chat.encode_sample``):

- **extract**: ``analysis.store.ensure_store`` into an empty store (length-bucketed batches under
  a token budget, hooks that pool on the fly, no logits, shards streamed to disk);
- **naive**: the loop users write: batches of 8 in input order padded to the longest,
  ``model(..., output_hidden_states=True)`` (all layers kept, logits computed), pooling in Python,
  vectors kept in memory and saved at the end.

Each run is its own subprocess, so peaks are separate. In each, the model is loaded and every
weight touched (one-token forward) before the clock starts; samples/s then covers tokenizing,
the forwards, pooling and writing. Two memory numbers: the process's total peak RSS (VmHWM,
including the ~0.5 GB of fp32 weights and ~0.3 GB of torch runtime that both methods share), and
the working memory = peak RSS after the load minus RSS after the load (the high-water mark is
reset through ``/proc/self/clear_refs``). Runs alternate between methods; the table shows medians.
Usage: ``python benchmarks/bench_extract.py [--repeats 3] [--limit N] [--split analysis]``.

``--memory`` instead shows that peak RSS does not grow with the number of samples: whole
extractions (``tiny`` model, every layer, shards of 256) of 500 and of 5,000 samples, each in
its own process, print their peaks side by side.
The last line is ``extract: <r>x samples/s vs naive output_hidden_states loop (peak RSS <m>x)``.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _load_and_reset() -> tuple[object, object, dict]:
    """Load ``base``, touch every weight with a one-token forward, then reset the RSS high-water
    mark so that the peak measured next is the method's own working memory."""
    import torch

    from lm.checkpoints import load_model, load_tokenizer, resolve

    ckpt = resolve("base")
    model, tok = load_model(ckpt), load_tokenizer(ckpt)
    with torch.no_grad():
        model(input_ids=torch.tensor([[1]]))
    mem = {"load_peak_mb": _status_mb("VmHWM"), "base_mb": _status_mb("VmRSS")}
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux)
    return model, tok, mem


def _finish(n: int, seconds: float, mem: dict) -> dict:
    peak = _status_mb("VmHWM")
    return {
        "n": n,
        "seconds": seconds,
        "rss_mb": max(peak, mem["load_peak_mb"]),
        "work_mb": peak - mem["base_mb"],
    }


def run_extract(split: str) -> dict:
    """One extraction with the suite into the empty store of this process's ``$SYMBOLSCOPE_HOME``.

    The model is loaded before timing (as for the naive loop) and handed to the builder.
    """
    import analysis.extract.engine as engine
    from analysis.extract import ensure_store

    model, tok, mem = _load_and_reset()
    engine.load_model = lambda *a, **k: model
    engine.load_tokenizer = lambda *a, **k: tok
    t0 = time.perf_counter()
    store = ensure_store("base", split=split, layers="all", progress=False)
    seconds = time.perf_counter() - t0
    return _finish(len(store) + store.manifest["dataset"]["n_skipped"], seconds, mem)


def run_naive(split: str, out: str) -> dict:
    """The naive loop: fixed batches of 8 in input order, ``output_hidden_states=True``, logits."""
    import numpy as np
    import torch

    from analysis.extract.samples import load_dataset
    from symbolcollection.chat import encode_sample

    model, tok, mem = _load_and_reset()
    t0 = time.perf_counter()
    data = load_dataset(split)
    kept: list[list[np.ndarray]] = []
    samples = list(data.samples)
    for start in range(0, len(samples), 8):
        encs = [encode_sample(tok, s) for s in samples[start : start + 8]]
        width = max(len(e.input_ids) for e in encs)
        ids = torch.full((len(encs), width), tok.pad_token_id)
        mask = torch.zeros_like(ids)
        for row, e in enumerate(encs):
            ids[row, : len(e.input_ids)] = torch.tensor(e.input_ids)
            mask[row, : len(e.input_ids)] = 1
        with torch.no_grad():
            outputs = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        for row, e in enumerate(encs):
            a, b = e.symbol_tokens
            if b > a:
                kept.append([h[row, a:b].mean(0).numpy() for h in outputs.hidden_states])
    np.save(out, np.asarray(kept, dtype=np.float32))
    return _finish(len(samples), time.perf_counter() - t0, mem)


def _child(which: str, split: str, extra: list[str] | None = None, script: str = __file__) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        real = Path(os.environ.get("SYMBOLSCOPE_HOME") or Path.home() / ".cache" / "symbolscope")
        (home / "models").symlink_to(real / "models", target_is_directory=True)
        if (real / "fingerprints.json").is_file():
            (home / "fingerprints.json").write_bytes((real / "fingerprints.json").read_bytes())
        env = {
            **os.environ,
            "SYMBOLSCOPE_HOME": str(home),
            "PYTHONPATH": str(ROOT),
            "TOKENIZERS_PARALLELISM": "false",
        }
        cmd = [sys.executable, script, "--child", which, "--split", split, "--tmp", tmp, *(extra or [])]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"{which} run failed:\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])


def _synthetic_split(n: int, path: Path) -> str:
    """``n`` samples: the analysis split cycled with fresh ids, or generated ones if it is missing."""
    import random

    try:
        from analysis.extract.samples import load_dataset

        base = [s.to_dict() for s in load_dataset("analysis").samples]
    except Exception:  # the collection is not built: generate varied SQL-like samples
        rng = random.Random(0)
        words = ("SELECT", "name", "FROM", "users", "WHERE", "age", ">", "30", "JOIN", "ON", "id", "=")
        base = [
            {
                "id": f"g{i}",
                "task": "nl2sql",
                "family": "sql",
                "source": "synthetic",
                "input": "",
                "instruction": "Write SQL for: "
                + " ".join(rng.choice(words) for _ in range(rng.randint(3, 30))),
                "output": " ".join(rng.choice(words) for _ in range(rng.randint(2, 40))),
            }
            for i in range(500)
        ]
    with open(path, "w") as fh:
        for i in range(n):
            fh.write(json.dumps({**base[i % len(base)], "id": f"m{i:06d}"}) + "\n")
    return str(path)


def run_memory(split: str, shard_samples: int) -> dict:
    """Extract every layer of ``tiny`` on ``split`` (shards of ``shard_samples``); report the peak."""
    from analysis.extract import ensure_store

    t0 = time.perf_counter()
    store = ensure_store("tiny", split=split, layers="all", progress=False, shard_samples=shard_samples)
    return {
        "n": len(store),
        "seconds": time.perf_counter() - t0,
        "rss_mb": _status_mb("VmHWM"),
        "shards": len(store.manifest["shards"]),
        "store_mb": store.size_bytes() / 1e6,
    }


def memory_demo(sizes: list[int], shard_samples: int) -> None:
    """Peak RSS of whole extractions of growing sample sets, each in its own process."""
    print(f"memory: tiny model, all layers, shards of {shard_samples} samples, one process per run")
    print(f"{'samples':>8} {'shards':>7} {'store MB':>9} {'seconds':>8} {'peak RSS MB':>12}")
    peaks = []
    with tempfile.TemporaryDirectory(prefix="bench-extract-mem-") as tmp:
        for n in sizes:
            split = _synthetic_split(n, Path(tmp) / f"mem{n}.jsonl")
            r = _child("memory", split, ["--shard-samples", str(shard_samples)])
            peaks.append(r["rss_mb"])
            print(
                f"{r['n']:>8} {r['shards']:>7} {r['store_mb']:>9.1f} {r['seconds']:>8.1f} {r['rss_mb']:>12.0f}"
            )
    print(f"memory: peak RSS {peaks[-1] / peaks[0]:.2f}x for {sizes[-1] / sizes[0]:.0f}x the samples")


def _limited_split(split: str, limit: int | None, tmp: Path) -> str:
    if limit is None:
        return split
    from analysis.extract.samples import load_dataset

    data = load_dataset(split)
    path = tmp / "split.jsonl"
    with open(path, "w") as fh:
        rows = list(zip(data.samples, data.evol_of, strict=True))
        for s, evol in rows[:: max(1, len(rows) // limit)][:limit]:  # spread over families
            fh.write(json.dumps({**s.to_dict(), "evol_of": evol}) + "\n")
    return str(path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--split", default="analysis")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--limit", type=int, default=None, help="N samples spread over the split (quick runs)")
    p.add_argument("--memory", action="store_true", help="peak RSS for 500 vs 5,000 samples (tiny model)")
    p.add_argument("--sizes", default="500,5000", help="sample counts for --memory")
    p.add_argument("--shard-samples", type=int, default=256, help="shard size for --memory")
    p.add_argument("--child", choices=("extract", "naive", "memory"), help=argparse.SUPPRESS)
    p.add_argument("--tmp", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child == "extract":
        print(json.dumps(run_extract(args.split)))
        return
    if args.child == "memory":
        print(json.dumps(run_memory(args.split, args.shard_samples)))
        return
    if args.memory:
        memory_demo([int(x) for x in args.sizes.split(",")], args.shard_samples)
        return
    if args.child == "naive":
        print(json.dumps(run_naive(args.split, str(Path(args.tmp) / "naive.npy"))))
        return
    with tempfile.TemporaryDirectory(prefix="bench-extract-split-") as tmp:
        split = _limited_split(args.split, args.limit, Path(tmp))
        runs: dict[str, list[dict]] = {"extract": [], "naive": []}
        for r in range(args.repeats):
            for which in ("naive", "extract") if r % 2 else ("extract", "naive"):
                runs[which].append(_child(which, split))
                last = runs[which][-1]
                print(
                    f"  run {r + 1} {which:<8} {last['n'] / last['seconds']:7.2f} samples/s  peak RSS "
                    f"{last['rss_mb']:6.0f} MB  working {last['work_mb']:6.0f} MB",
                    file=sys.stderr,
                )
    n = runs["extract"][0]["n"]
    med = {
        k: [
            statistics.median(x[f] if f else x["n"] / x["seconds"] for x in v)
            for f in ("", "rss_mb", "work_mb")
        ]
        for k, v in runs.items()
    }
    print(
        f"split {args.split}{'' if args.limit is None else f' (every k-th, {args.limit})'}: {n} samples, "
        f"base model, all layers, {args.repeats} runs each (median)"
    )
    print(f"{'method':<40} {'samples/s':>10} {'peak RSS MB':>12} {'working MB':>11}")
    for key, label in (
        ("extract", "analysis.extract (ensure_store)"),
        ("naive", "naive output_hidden_states loop (b=8)"),
    ):
        print(f"{label:<40} {med[key][0]:>10.2f} {med[key][1]:>12.0f} {med[key][2]:>11.0f}")
    speed = med["extract"][0] / med["naive"][0]
    rss = med["extract"][1] / med["naive"][1]
    work = med["extract"][2] / med["naive"][2]
    print(
        f"working memory above the loaded model (peak RSS − RSS after load): {work:.2f}x of the naive loop's"
    )
    print(f"extract: {speed:.2f}x samples/s vs naive output_hidden_states loop (peak RSS {rss:.2f}x)")


if __name__ == "__main__":
    main()
