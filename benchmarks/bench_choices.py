"""Benchmark: the General suite's tree-packed choice scoring vs one row per (context, choice).

Both score the same BIG-bench questions (``--per-task`` items of every cached task, seed 0) on
the embedded ``base`` model with the same code path, token budget and logits-only-where-needed:

- **tree**: :func:`analysis.evaluate.choices.choice_loglik` as the suite runs it — one row per
  question, ``context, choice_1 .. choice_k``, the context computed once;
- **per-pair**: the lm-eval-harness layout — one row per (context, choice) pair, each pair a
  one-choice query, so the context is recomputed for every choice.

The scores must agree (max |difference| printed); runs alternate, medians of ``--repeats``.
Usage: ``python benchmarks/bench_choices.py [--per-task 4] [--repeats 3]``.
The last line is ``choices: <r>x questions/s vs one row per (context, choice) pair (...)``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    import numpy as np
    import torch

    from analysis.checkpoints import load_model, load_tokenizer, resolve
    from analysis.evaluate.bigbench import TASKS, load_task
    from analysis.evaluate.choices import Query, choice_loglik, encode_query
    from analysis.evaluate.general import pick

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-task", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ckpt = resolve("base")
    model, tok = load_model(ckpt), load_tokenizer(ckpt)
    queries = []
    for name in TASKS:
        task = load_task(name)
        for i in pick(len(task.items), args.per_task, 0, name):
            queries.append(encode_query(tok, task.prompt(i, 0), task.items[i].choices))
    pairs = [Query(q.context, (c,)) for q in queries for c in q.choices]
    pad = int(tok.pad_token_id or 0)
    with torch.no_grad():
        model(input_ids=torch.tensor([[1]]))
    times: dict[str, list[float]] = {"tree": [], "pairs": []}
    out: dict[str, list] = {}
    for _ in range(args.repeats):
        for name, qs in (("tree", queries), ("pairs", pairs)):
            t0 = time.perf_counter()
            out[name] = choice_loglik(model, qs, pad_id=pad)
            times[name].append(time.perf_counter() - t0)
    tree = np.concatenate(out["tree"])
    flat = np.concatenate(out["pairs"])
    tokens = {"tree": sum(len(q) for q in queries), "pairs": sum(len(q) for q in pairs)}
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"{len(queries)} questions, {len(pairs)} (context, choice) pairs, {torch.get_num_threads()} threads"
    )
    for k in ("tree", "pairs"):
        print(
            f"{k:6s} tokens {tokens[k]:7d}  median {med[k]:7.2f} s  {len(queries) / med[k]:6.2f} questions/s"
        )
    print(f"max |score difference| {np.abs(tree - flat).max():.2e} nats")
    ratio = med["pairs"] / med["tree"]
    print(
        f"choices: {ratio:.2f}x questions/s vs one row per (context, choice) pair "
        f"({tokens['pairs'] / tokens['tree']:.2f}x fewer tokens, median of {args.repeats})"
    )


if __name__ == "__main__":
    main()
