"""Benchmark: everything the studies read, extracted in one pass, against two baselines.

Four runs on the same samples (``--split``, a comma list: ``analysis,analysis-valid`` is what
``make reproduce`` extracts), each its own process with the embedded ``base`` model loaded and
touched before the clock starts (as in ``bench_extract.py``), through what ``make reproduce``'s
extract command calls (``analysis.extract.api.extract_splits``: every split with one model load,
no symbols for the corrupted twins):

- **symbols** (what ``make reproduce`` does): every layer (0..L, final norm) mean-pooled over
  the symbol span, plus every symbol's vector at the default symbol layers (``every:3``, float16,
  lexed and written beside the sample shards); shared prompt prefixes run once (the system prompt;
  a twin's original's prompt);
- **unshared** (the extraction before shared prefixes): the same with ``--no-share-prefixes``;
- **extract** (the baseline of item 1): the same as *symbols* without symbols;
- **bare** (the baseline of item 6): the decoder's forward pass alone over every sample's tokens
  from token 0 (the same length-bucketed batches, no hooks, no pooling, nothing written).

Runs alternate; medians. Prints the symbol rows and bytes per row; the last line is
``all of it: <r>x the bare forward pass of the same tokens``.
Usage: ``python benchmarks/bench_symbols.py [--repeats 4] [--limit N] [--split analysis,analysis-valid]``.
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

from symbolcollection.splits import DERIVED_SPLITS  # noqa: E402


def run_one(splits: str, which: str) -> dict:
    """One extraction of every split into this process's empty store, as ``make reproduce``'s
    extract step runs it (:func:`analysis.extract.api.extract_splits`)."""
    import analysis.extract.engine as engine
    from analysis.extract.api import extract_splits
    from analysis.extract.config import ExtractConfig

    model, tok, mem = _load_and_reset()
    engine.load_model = lambda *a, **k: model
    engine.load_tokenizer = lambda *a, **k: tok

    def twins(split: str) -> bool:  # a collection split, or its --limit file in a folder named after it
        return split in DERIVED_SPLITS or Path(split).parent.name in DERIVED_SPLITS

    symbols, share = which != "extract", which != "unshared"
    configs = [
        ExtractConfig(
            split, layers="all", progress=False, symbols=symbols and not twins(split), share_prefixes=share
        )
        for split in splits.split(",")
    ]
    t0 = time.perf_counter()
    stores = [store for store, _ in extract_splits("base", configs)]
    n = sum(len(s) + s.manifest["dataset"]["n_skipped"] for s in stores)
    out = _finish(n, time.perf_counter() - t0, mem)
    if symbols:
        files = [f for s in stores for f in s.path.iterdir() if f.name.startswith("symbols")]
        rows = sum((s.manifest.get("symbols") or {}).get("rows", 0) for s in stores)
        out |= {"symbol_rows": rows, "symbol_bytes": sum(f.stat().st_size for f in files)}
    return out


CASES = ("symbols", "unshared", "extract", "bare")


def run_bare(splits: str) -> dict:
    """The decoder's forward pass alone over the extraction's own batches of every split."""
    import torch

    from analysis.extract.batching import DEFAULT_BATCH_TOKENS, collate, plan_batches
    from analysis.extract.samples import load_dataset
    from analysis.extract.spans import Item, prepare_all

    model, tok, mem = _load_and_reset()
    batches = []
    for split in splits.split(","):
        items = [p for p in prepare_all(tok, load_dataset(split).samples, "symbol") if isinstance(p, Item)]
        for idx in plan_batches([it.needed for it in items], DEFAULT_BATCH_TOKENS):
            batches.append(collate([items[i] for i in idx], tok.pad_token_id))
    t0 = time.perf_counter()
    with torch.inference_mode():
        for b in batches:
            model.base_model(input_ids=b.input_ids, position_ids=b.position_ids, use_cache=False)
    return _finish(sum(len(b.input_ids) for b in batches), time.perf_counter() - t0, mem)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--split", default="analysis,analysis-valid", help="comma list of splits")
    p.add_argument(
        "--repeats", type=int, default=4, help="runs of each case (a multiple of 4 rotates the order evenly)"
    )
    p.add_argument("--limit", type=int, default=None, help="N samples spread over the split")
    p.add_argument("--child", choices=CASES, help=argparse.SUPPRESS)
    p.add_argument("--tmp", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child = run_bare(args.split) if args.child == "bare" else run_one(args.split, args.child)
        print(json.dumps(child))
        return
    runs: dict[str, list[dict]] = {which: [] for which in CASES}
    with tempfile.TemporaryDirectory(prefix="bench-symbols-") as tmp:
        split = ",".join(_limited(s, args.limit, Path(tmp)) for s in args.split.split(","))
        for r in range(args.repeats):
            k = r % len(CASES)
            for which in CASES[k:] + CASES[:k]:  # each case first once in every len(CASES) runs
                runs[which].append(_child(which, split, script=__file__))
                print(f"  run {r + 1} {which:<8} {runs[which][-1]['seconds']:7.1f} s", file=sys.stderr)
    report(args, runs)


def _limited(split: str, limit: int | None, tmp: Path) -> str:
    """``split`` cut to ``limit`` samples spread over it; the corrupted twins cut to those of the
    analysis samples kept (as in the whole splits, where every twin's original is extracted)."""
    folder = tmp / split
    folder.mkdir(parents=True, exist_ok=True)
    if limit is None or split not in DERIVED_SPLITS:
        return _limited_split(split, limit, folder)
    from analysis.extract.samples import load_dataset
    from symbolcollection.corrupt import original_of

    kept = {json.loads(line)["id"] for line in (tmp / "analysis" / "split.jsonl").read_text().splitlines()}
    path = folder / "split.jsonl"
    twins = [t for t in load_dataset(split).samples if original_of(t.id) in kept]
    path.write_text("".join(json.dumps(t.to_dict()) + "\n" for t in twins))
    return str(path)


def report(args: argparse.Namespace, runs: dict[str, list[dict]]) -> None:
    """The table, the symbol store's size per row, and the two ratios (the bare one last)."""
    sec = {k: statistics.median(x["seconds"] for x in v) for k, v in runs.items()}
    sym = runs["symbols"][0]
    n = sym["n"]
    print(
        f"split {args.split} (limit {args.limit}): {n} samples, base model, {args.repeats} runs each (median)"
    )
    print(f"{'bare forward pass of the same token batches':<48} {sec['bare']:8.1f} s")
    print(f"{'extraction without symbols (every layer)':<48} {sec['extract']:8.1f} s")
    print(f"{'extraction with symbols, no shared prefixes':<48} {sec['unshared']:8.1f} s")
    print(f"{'extraction with symbols (every:3, float16)':<48} {sec['symbols']:8.1f} s")
    per_row = sym["symbol_bytes"] / max(1, sym["symbol_rows"])
    print(f"symbol rows {sym['symbol_rows']} ({sym['symbol_rows'] / n:.1f}/sample), {per_row:.0f} bytes/row")
    print(f"symbols: {sec['symbols'] / sec['extract']:.3f}x the same extraction without symbols")
    print(f"shared prefixes: {sec['symbols'] / sec['unshared']:.3f}x the same extraction run from token 0")
    print(f"all of it: {sec['symbols'] / sec['bare']:.3f}x the bare forward pass of the same tokens")


if __name__ == "__main__":
    main()
