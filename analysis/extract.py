"""Extract per-sample, per-layer pooled hidden states into the activation store.

CLI::

    python -m analysis.extract --ckpt base,ours --split analysis --span symbol --layers all
           [--pooling mean|last] [--dtype float32|bfloat16] [--batch-tokens N]
    python -m analysis.extract ls [--json]
    python -m analysis.extract rm NAME... | --ckpt ALIAS | --all | --partial

How (see DESIGN.md, "Representations"): the samples are cut, in dataset order, into shards of
``shard_samples``; within a shard they are sorted by token length and batched under a padded
token budget (:mod:`analysis.batching`); hooks pool every requested layer on the fly and the
forward stops after the deepest one, never reaching the LM head (:mod:`analysis.capture`); each
finished shard is written atomically, so memory is bounded by one shard and an interrupted run
resumes (:mod:`analysis.builder`, :mod:`analysis.writer`).

Layers: 0 = embeddings, 1..L = block outputs *before* the final norm, ``final_norm`` = after
it. Note that HF's ``output_hidden_states=True`` ``hidden_states[-1]`` is that post-norm state
(transformers ties it to ``last_hidden_state``), not block L's output.

Scale path: under ``torchrun``/``accelerate launch`` (``WORLD_SIZE`` > 1) each rank extracts the
shards ``k`` with ``k % world == rank`` into the same partial folder on a shared filesystem,
and rank 0 writes the manifest and renames the folder once all ranks are done
(:mod:`analysis.distributed`). The result is identical to a single-process run.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from analysis.builder import build_store
from analysis.layers import LayerKey
from analysis.store import DEFAULT_BATCH_TOKENS
from trainer.data.errors import UserError, get_logger, run_cli

log = get_logger(__name__)

__all__ = ["build_store", "check_offsets", "extract_chunk", "main"]


def check_offsets(tokenizer: Any) -> bool:
    """Whether the tokenizer gives offset mappings; warn once if not (spans then come from
    prefix tokenization in :mod:`trainer.data.chat`, exact for BPE tokenizers)."""
    try:
        tokenizer("a b", add_special_tokens=False, return_offsets_mapping=True)
        return True
    except NotImplementedError:
        log.warning(
            "tokenizer %s has no offsets mapping: spans are located by prefix tokenization instead "
            "(slower; exact unless merges cross span boundaries)",
            type(tokenizer).__name__,
        )
        return False


def extract_chunk(
    capturer: Any,
    items: Sequence[Any],
    pad_id: int,
    dim: int,
    pooling: str = "mean",
    padding_side: str = "right",
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
    on_batch: Callable[[int], object] | None = None,
) -> dict[LayerKey, np.ndarray]:
    """Pooled vectors ``{layer: [len(items), d] float32}`` for ``items``, rows in ``items`` order.

    Items are batched by length under ``batch_tokens`` padded tokens; ``on_batch(n)`` is called
    after each batch of ``n`` samples (progress).
    """
    from analysis.batching import collate, plan_batches

    out = {k: np.empty((len(items), dim), dtype=np.float32) for k in capturer.layers}
    for batch_idx in plan_batches([it.needed for it in items], batch_tokens):
        batch = collate([items[i] for i in batch_idx], pad_id, padding_side, pooling)
        pooled = capturer.run(batch)
        for key, vec in pooled.items():
            arr = vec.numpy()
            if not np.isfinite(arr).all():
                bad = items[batch_idx[int(np.nonzero(~np.isfinite(arr).all(axis=1))[0][0])]].sample_id
                raise UserError(
                    f"layer {key} of sample '{bad}' is not finite (NaN/inf); the checkpoint or dtype "
                    "overflows, try --dtype float32"
                )
            out[key][batch_idx] = arr
        if on_batch is not None:
            on_batch(len(batch_idx))
    return out


def _parse_ckpts(text: str) -> list[str]:
    aliases = [a.strip() for a in text.split(",") if a.strip()]
    if not aliases:
        raise UserError("--ckpt needs at least one checkpoint alias (e.g. base,ours)")
    return aliases


def _cmd_extract(argv: Sequence[str]) -> int:
    from analysis.store import ensure_store

    p = argparse.ArgumentParser(prog="python -m analysis.extract", description=__doc__.split("\n")[0])
    p.add_argument("--ckpt", required=True, help="comma-separated checkpoint aliases, e.g. base,ours")
    p.add_argument("--split", default="analysis", help="train, analysis, test, or a .jsonl file of samples")
    p.add_argument("--span", default="symbol", choices=("symbol", "instruction", "last"))
    p.add_argument("--pooling", default="mean", choices=("mean", "last"))
    p.add_argument("--layers", default="all", help="all | 0,10,20 | -1 | final_norm (0 = embeddings)")
    p.add_argument("--dtype", default="float32", choices=("float32", "bfloat16"))
    p.add_argument("--batch-tokens", type=int, default=DEFAULT_BATCH_TOKENS, help="padded tokens per batch")
    p.add_argument("--padding-side", default="right", choices=("left", "right"))
    p.add_argument("--shard-samples", type=int, default=None, help="samples per shard (default: ~64 MB)")
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args(argv)
    if args.shard_samples is not None and args.shard_samples < 1:
        raise UserError(f"--shard-samples must be >= 1, got {args.shard_samples}")
    for alias in _parse_ckpts(args.ckpt):
        t0 = time.perf_counter()
        store = ensure_store(
            alias,
            args.split,
            args.span,
            args.pooling,
            args.layers,
            args.dtype,
            args.batch_tokens,
            not args.no_progress,
            padding_side=args.padding_side,
            shard_samples=args.shard_samples,
        )
        print(
            f"{alias}: {store.name}  n={len(store)} layers={len(store.layers)} d={store.dim} "
            f"skipped={store.manifest['dataset']['n_skipped']}  ({time.perf_counter() - t0:.2f} s)"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m analysis.extract [ls | rm] ...`` (see the module docstring)."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("ls", "rm"):
        from analysis import store_cli

        return store_cli.cmd_ls(args[1:]) if args[0] == "ls" else store_cli.cmd_rm(args[1:])
    return _cmd_extract(args)


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
