"""Benchmark: batched greedy generation (analysis.evaluate.generate) vs one-at-a-time
``model.generate`` on the same prompts.

Run from the repo root: ``.venv/bin/python benchmarks/bench_generate.py [--ckpt base] [--n 24]
[--max-new-tokens 64] [--repeats 3]``.

Prompts are the chat-rendered requests of held-out test samples, spread over the families
(``--n`` of them). The baseline calls ``model.generate`` once per prompt (greedy, KV cache, the
same stop rule applied through a ``StoppingCriteria``, so it does not generate past where ours
stops). Every repeat checks that both give identical token ids for every prompt. Throughput is
generated tokens per second; times are medians of ``--repeats`` alternating runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _baseline(model, tok, prompts, stops, max_new):
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class Stop(StoppingCriteria):
        def __init__(self, rule, start):
            self.rule, self.start = rule, start

        def __call__(self, input_ids, scores, **kwargs):
            text = tok.decode(input_ids[0, self.start :].tolist(), skip_special_tokens=True)
            return torch.tensor([bool(self.rule(text))])

    outs = []
    for p, rule in zip(prompts, stops, strict=True):
        ids = tok(p, add_special_tokens=False, return_tensors="pt")["input_ids"]
        gen = model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=max_new,
            do_sample=False,
            pad_token_id=tok.pad_token_id,
            stopping_criteria=StoppingCriteriaList([Stop(rule, ids.shape[1])]),
        )
        new = gen[0, ids.shape[1] :].tolist()
        if new and new[-1] == tok.eos_token_id:
            new = new[:-1]
        outs.append(tuple(new))
    return outs


def main() -> int:
    import torch

    from analysis.evaluate.generate import generate
    from analysis.evaluate.prompts import finished, prompt_text
    from analysis.evaluate.selection import select
    from lm.checkpoints import load
    from symbolcollection import load_split

    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="base")
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--batch-tokens", type=int, default=6144)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    model, tok, _ = load(args.ckpt)
    per = -(-args.n // 17)
    samples = [s for v in select(load_split("test"), "family", per, 0).values() for s in v][: args.n]
    prompts = [prompt_text(tok, s) for s in samples]
    stops = [(lambda text, f=s.family: finished(text, f)) for s in samples]
    ours_t, base_t, tokens = [], [], 0
    with torch.inference_mode():
        for r in range(args.repeats):
            t0 = time.perf_counter()
            ours = generate(
                model,
                tok,
                prompts,
                stops=stops,
                max_new_tokens=args.max_new_tokens,
                batch_tokens=args.batch_tokens,
            )
            ours_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ref = _baseline(model, tok, prompts, stops, args.max_new_tokens)
            base_t.append(time.perf_counter() - t0)
            same = sum(g.token_ids == b for g, b in zip(ours, ref, strict=True))
            tokens = sum(len(g.token_ids) for g in ours)
            print(
                f"repeat {r}: ours {ours_t[-1]:.1f} s, one-at-a-time {base_t[-1]:.1f} s, "
                f"{tokens} tokens, identical {same}/{len(prompts)}",
                flush=True,
            )
            if same != len(prompts):
                print("generate: texts differ from one-at-a-time model.generate", file=sys.stderr)
                return 1
    ours_tps = tokens / statistics.median(ours_t)
    base_tps = tokens / statistics.median(base_t)
    print(
        f"ours {ours_tps:.1f} tokens/s, one-at-a-time model.generate {base_tps:.1f} tokens/s, "
        f"torch threads {torch.get_num_threads()}"
    )
    print(
        f"generate: {ours_tps / base_tps:.2f}x tokens/s vs one-at-a-time model.generate "
        f"({args.ckpt}, {len(prompts)} test prompts, <= {args.max_new_tokens} new tokens, identical text, "
        f"median of {args.repeats})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
