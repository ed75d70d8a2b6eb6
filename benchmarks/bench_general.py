"""Benchmark: MMLU 5-shot as the General suite scores it vs the plain approach, same items.

Both score the same MMLU questions (the first ``--per-task`` scored questions of the first
``--topics`` topics, 5-shot, lm-eval's ``mmlu`` prompt) on the embedded ``base`` model:

- **shared prefix** (the suite, :func:`analysis.evaluate.prefix.shared_prefix_loglik`): each
  topic's description and shots are run once and their KV cache is reused by every question of
  the topic; the four one-token choices are read from one forward per question;
- **plain**: one forward per (prompt, choice) with the full 5-shot prompt each time (lm-eval's
  ``loglikelihood`` requests), batched under the same token budget with logits only where needed
  (:func:`analysis.evaluate.choices.choice_loglik` with one choice per row).

The picks must be identical (the run fails otherwise) and the largest log-likelihood difference is
printed; runs alternate, medians of ``--repeats``. Items/s counts scored questions, the shots'
prefill included. Usage: ``python benchmarks/bench_general.py [--topics 3] [--per-task 4]
[--repeats 3] [--threads N]`` (on a machine shared with other jobs, ``--threads 1`` avoids
threads waiting on each other). The last line is ``general: <r>x items/s vs one forward per prompt + choice (...)``.
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

    from analysis.evaluate import mmlu
    from analysis.evaluate.choices import Query, choice_loglik, encode_query
    from analysis.evaluate.prefix import shared_prefix_loglik
    from lm.checkpoints import load_model, load_tokenizer, resolve

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--topics", type=int, default=3)
    parser.add_argument("--per-task", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    ckpt = resolve("base")
    model, tok = load_model(ckpt), load_tokenizer(ckpt)
    topics = mmlu.load()[: args.topics]
    groups = [
        [encode_query(tok, mmlu.prompt(t, q, 5), mmlu.CHOICES) for q in mmlu.scored(t, 5, args.per_task)]
        for t in topics
    ]
    flat = [q for g in groups for q in g]
    pairs = [Query(q.context, (c,)) for q in flat for c in q.choices]
    with torch.no_grad():
        model(input_ids=torch.tensor([[1]]))
    times: dict[str, list[float]] = {"shared": [], "plain": []}
    out: dict[str, np.ndarray] = {}
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        out["shared"] = np.array([s for g in shared_prefix_loglik(model, groups, pad_id=0) for s in g])
        times["shared"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        out["plain"] = np.concatenate(choice_loglik(model, pairs, pad_id=0)).reshape(len(flat), -1)
        times["plain"].append(time.perf_counter() - t0)
    same = bool((out["shared"].argmax(1) == out["plain"].argmax(1)).all())
    diff = float(np.abs(out["shared"] - out["plain"]).max())
    med = {k: statistics.median(v) for k, v in times.items()}
    tokens = {"plain": sum(len(q) for q in pairs)}
    print(
        f"{len(flat)} items ({args.topics} topics × {args.per_task}), 5-shot, {torch.get_num_threads()} threads"
    )
    for k in ("shared", "plain"):
        print(f"{k:6s} median {med[k]:7.2f} s  {len(flat) / med[k]:6.3f} items/s  runs {times[k]}")
    print(f"plain tokens {tokens['plain']}; picks identical: {same}; max |loglik difference| {diff:.2e} nats")
    if not same:
        raise SystemExit("the shared-prefix picks differ from the plain picks")
    print(
        f"general: {med['plain'] / med['shared']:.2f}x items/s vs one forward per prompt + choice "
        f"(MMLU 5-shot, base, {len(flat)} items, identical picks, median of {args.repeats})"
    )


if __name__ == "__main__":
    main()
