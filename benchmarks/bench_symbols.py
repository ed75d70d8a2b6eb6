"""Benchmark: extraction with symbol vectors vs the same extraction without them.

Both extract every layer (0..L and the final norm) of the embedded ``base`` model, mean-pooled
over the ``symbol`` span, into an empty store (each run its own process, model loaded and touched
before the clock starts, as in ``bench_extract.py``). **symbols** also lexes every output, pools
each symbol's tokens at the default symbol layers (``every:3``) from the same hooks and writes
them as float16 shards plus the row table; **baseline** is today's extraction. Runs alternate;
medians. The symbol store's size for the whole analysis split is extrapolated from its bytes per
symbol row. Usage: ``python benchmarks/bench_symbols.py [--repeats 3] [--limit N]``.
The last line is ``symbols: <r>x the extraction time of the same extraction without symbols``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_extract import _child, _finish, _limited_split, _load_and_reset  # noqa: E402


def run_one(split: str, symbols: bool) -> dict:
    """One extraction (with or without symbols) into this process's empty store."""
    import analysis.extract.engine as engine
    from analysis.extract import ensure_store

    model, tok, mem = _load_and_reset()
    engine.load_model = lambda *a, **k: model
    engine.load_tokenizer = lambda *a, **k: tok
    t0 = time.perf_counter()
    store = ensure_store("base", split=split, layers="all", progress=False, symbols=symbols)
    out = _finish(len(store) + store.manifest["dataset"]["n_skipped"], time.perf_counter() - t0, mem)
    sym = store.manifest.get("symbols")
    if sym:
        files = [f for f in store.path.iterdir() if f.name.startswith("symbols")]
        out |= {"symbol_rows": sym["rows"], "symbol_bytes": sum(f.stat().st_size for f in files)}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--split", default="analysis")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--limit", type=int, default=None, help="N samples spread over the split")
    p.add_argument("--child", choices=("extract", "symbols"), help=argparse.SUPPRESS)
    p.add_argument("--tmp", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(run_one(args.split, args.child == "symbols")))
        return
    runs: dict[str, list[dict]] = {"extract": [], "symbols": []}
    with tempfile.TemporaryDirectory(prefix="bench-symbols-") as tmp:
        split = _limited_split(args.split, args.limit, Path(tmp))
        for r in range(args.repeats):
            for which in ("symbols", "extract") if r % 2 else ("extract", "symbols"):
                runs[which].append(_child(which, split, script=__file__))
                last = runs[which][-1]
                print(f"  run {r + 1} {which:<8} {last['seconds']:7.1f} s", file=sys.stderr)
    sec = {k: statistics.median(x["seconds"] for x in v) for k, v in runs.items()}
    sym = runs["symbols"][0]
    per_row = sym["symbol_bytes"] / sym["symbol_rows"]
    n = sym["n"]
    print(f"split {args.split}: {n} samples, base model, all layers, {args.repeats} runs each (median)")
    print(f"{'baseline: extraction without symbols':<44} {sec['extract']:8.1f} s")
    print(f"{'extraction with symbols (every:3, float16)':<44} {sec['symbols']:8.1f} s")
    print(f"symbol rows {sym['symbol_rows']} ({sym['symbol_rows'] / n:.1f}/sample), {per_row:.0f} bytes/row")
    print(
        f"symbols: {sec['symbols'] / sec['extract']:.3f}x the extraction time of the same extraction without symbols"
    )


if __name__ == "__main__":
    main()
