"""Packed training vs dynamic padding: real (non-pad) tokens per second, same model and samples.

Both methods train the same model on the same samples for the same number of optimizer steps
(forward, backward, AdamW step):

- **packed** (the trainer): best-fit-decreasing rows of ``--length`` tokens with the
  block-diagonal mask, ``--rows`` rows per step;
- **padded** (baseline): the samples in data order, cut into as many batches as the packed run
  has steps, each padded to its longest sample (2-D padding mask).

Steps of the two methods alternate, so that a change in machine load hits both alike. Prints a
table of medians and, last, the ratio line. Packing efficiency is that of the whole embedded
train split at ``--length``.

    .venv/bin/python benchmarks/bench_train.py [--model base] [--steps 5] [--rows 4] [--length 512]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from lm.checkpoints import load_model, load_tokenizer, resolve
from lm.forward import forward_loss
from lm.masking import encode_examples
from lm.packing import best_fit_decreasing, collate_packed, collate_padded, packing_efficiency
from trainer.config import StageConfig
from trainer.engine import TorchEngine

CPU = torch.device("cpu")


def _step(engine: TorchEngine, batch: dict[str, torch.Tensor]) -> float:
    t0 = time.perf_counter()
    loss, n = forward_loss(engine.forward, batch, CPU)
    engine.backward(loss / max(1, n))
    engine.optimizer_step()
    return time.perf_counter() - t0


def _choose(
    all_ex: list, steps: int, rows_per_step: int, length: int, seed: int
) -> tuple[list, list, list, int]:
    """A data-order sample of the split, just large enough to fill steps+1 packed steps (1 warm-up),
    cut into packed steps and into padded batches of the same samples."""
    order = list(range(len(all_ex)))
    random.Random(seed).shuffle(order)
    chosen = []
    for i in order:
        chosen.append(all_ex[i])
        rows = best_fit_decreasing([len(e) for e in chosen], length)
        if len(rows) > (steps + 1) * rows_per_step:
            chosen.pop()
            break
    rows = best_fit_decreasing([len(e) for e in chosen], length)
    packed = [rows[k : k + rows_per_step] for k in range(0, len(rows), rows_per_step)]
    per = -(-len(chosen) // len(packed))
    padded = [list(range(k, min(k + per, len(chosen)))) for k in range(0, len(chosen), per)]
    return chosen, packed, padded, min(len(packed), len(padded))


def main() -> int:
    """Run the benchmark; returns 0."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="base", help="checkpoint alias (default: the embedded SmolLM2-135M)")
    ap.add_argument("--steps", type=int, default=5, help="measured steps per method")
    ap.add_argument("--rows", type=int, default=4, help="packed rows per step")
    ap.add_argument("--length", type=int, default=512, help="packed row length (tokens)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from symbolcollection import load_split

    ckpt = resolve(args.model)
    tok = load_tokenizer(ckpt)
    train = load_split("train", include_evol=True)
    all_ex, _ = encode_examples(tok, train, args.length)
    efficiency = packing_efficiency(
        [len(e) for e in all_ex], best_fit_decreasing([len(e) for e in all_ex], args.length), args.length
    )

    examples, packed, padded, n_steps = _choose(all_ex, args.steps, args.rows, args.length, args.seed)
    model = load_model(ckpt, attn_implementation="sdpa")
    model.train()
    engine = TorchEngine(model, StageConfig(lr=1e-6, max_grad_norm=1.0), 10**6, "cpu")
    pad = tok.pad_token_id
    stats: dict[str, list[tuple[float, int, int]]] = {"packed": [], "padded": []}
    for s in range(n_steps):
        for name in ("packed", "padded"):
            if name == "packed":
                batch = collate_packed(examples, packed[s], args.length, pad)
                real = sum(len(examples[i]) for row in packed[s] for i in row)
                slots = len(packed[s]) * args.length
            else:
                batch = collate_padded(examples, padded[s], pad)
                real = sum(len(examples[i]) for i in padded[s])
                slots = batch["input_ids"].numel()
            seconds = _step(engine, batch)
            if s > 0:  # step 0 of each is a warm-up
                stats[name].append((seconds, real, slots))
            print(
                f"  step {s} {name:<6} {real / seconds:8.1f} real tok/s ({real} real / {slots} slots)",
                flush=True,
            )

    table = {}
    for name, rows_ in stats.items():
        table[name] = (
            statistics.median(r / t for t, r, _ in rows_),
            statistics.median(t for t, _, _ in rows_),
            sum(r for _, r, _ in rows_) / sum(s for _, _, s in rows_),
            sum(r for _, r, _ in rows_),
        )
    print(
        f"\nmodel {ckpt.alias} ({ckpt.path.name}), {len(examples)} samples, {n_steps - 1} measured steps each"
    )
    print(
        f"{'method':<8} {'median real tok/s':>18} {'median step s':>14} {'real/slots':>11} {'real tokens':>12}"
    )
    for name, (tps, sec, eff, real) in table.items():
        print(f"{name:<8} {tps:18.1f} {sec:14.2f} {eff:11.1%} {real:12d}")
    ratio = table["packed"][0] / table["padded"][0]
    print(
        f"train: {ratio:.2f}x real tokens/s vs padded batches in data order "
        f"(packing efficiency {efficiency:.1%})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
