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
resumes (:mod:`analysis.writer`). Layers: 0 = embeddings, 1..L = block outputs *before* the final
norm, ``final_norm`` = after it — HF's ``output_hidden_states`` ``hidden_states[-1]`` is that
post-norm state, not block L's output.

Scale path: under ``torchrun``/``accelerate launch`` (``WORLD_SIZE`` > 1) each rank extracts the
shards ``k`` with ``k % world == rank`` into the same partial folder on a shared filesystem,
and rank 0 writes the manifest and renames the folder once all ranks are done
(:mod:`analysis.distributed`). The result is identical to a single-process run.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import importlib.metadata
import json
import logging
import math
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from analysis.checkpoints import Checkpoint, load_model, load_tokenizer
from analysis.layers import LayerKey, tensor_name
from analysis.samples import Dataset
from analysis.store import DEFAULT_BATCH_TOKENS, STORE_FORMAT, Store, StoreKey, find_store, store_root
from analysis.writer import PartialStore, partial_dir, store_lock
from trainer.data.errors import UserError, get_logger, run_cli

log = get_logger(__name__)

#: Bytes of pooled fp32 vectors one shard may hold in memory (sets the default shard size).
SHARD_BYTES = 64 << 20
TOKEN_RULE = (
    "a token belongs to the character span in which its first character lies; BOS and padding never pooled"
)
LAYER_NUMBERING = "0 = embedding output, 1..L = block outputs before the final norm, final_norm = after it"
_SOURCES = (
    "analysis/spans.py",
    "analysis/batching.py",
    "analysis/capture.py",
    "analysis/extract.py",
    "analysis/layers.py",
    "trainer/data/chat.py",
)


def code_version() -> str:
    """Package version plus a short hash of the extraction sources (recorded in the manifest)."""
    try:
        version = importlib.metadata.version("symbolscope")
    except importlib.metadata.PackageNotFoundError:
        version = "0+local"
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for rel in _SOURCES:
        path = root / rel
        h.update(path.read_bytes() if path.is_file() else b"")
    return f"{version}+{h.hexdigest()[:12]}"


def hidden_size_of(model_dir: Path) -> int:
    """Hidden size read from ``config.json``."""
    cfg = json.loads((Path(model_dir) / "config.json").read_text())
    cfg = cfg if "hidden_size" in cfg or "n_embd" in cfg else cfg.get("text_config", cfg)
    return int(cfg.get("hidden_size") or cfg["n_embd"])


def default_shard_samples(num_layers: int, dim: int) -> int:
    """Samples per shard so that one shard's vectors take about :data:`SHARD_BYTES` (16..8192)."""
    return max(16, min(8192, SHARD_BYTES // max(1, num_layers * dim * 4)))


class _OnceFilter(logging.Filter):
    """Let each distinct log message through once (for per-sample fallback warnings)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if msg in self.seen:
            return False
        self.seen.add(msg)
        return True


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
    on_batch: Any = None,
) -> dict[LayerKey, np.ndarray]:
    """Pooled vectors ``{layer: [len(items), d] float32}`` for ``items``, rows in ``items`` order.

    Items are batched by length under ``batch_tokens`` padded tokens; ``on_batch(n)`` is called
    after each batch of ``n`` samples (progress).
    """
    from analysis.batching import collate, plan_batches

    out = {k: np.empty((len(items), dim), dtype=np.float32) for k in capturer.layers}
    for batch_idx in plan_batches([len(it.input_ids) for it in items], batch_tokens):
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


def _manifest(
    ckpt: Checkpoint,
    data: Dataset,
    key: StoreKey,
    layers: list[LayerKey],
    partial: PartialStore,
    **extra: Any,
) -> dict[str, Any]:
    ids, fams, tasks, evol, shards, skipped = [], [], [], [], [], []
    for k in range(int(partial.plan["num_shards"])):
        meta = partial.shard_meta(k)
        start = len(ids)
        for i in meta["kept"]:
            s = data.samples[i]
            ids.append(s.id)
            fams.append(s.family)
            tasks.append(s.task)
            evol.append(data.evol_of[i])
        skipped.extend({"id": sid, "reason": why} for _, sid, why in meta["skipped"])
        shards.append({"file": f"shard-{k:05d}.safetensors", "rows": [start, len(ids)]})
    return {
        "format": STORE_FORMAT,
        "checkpoint": {
            "alias": ckpt.alias,
            "fingerprint": ckpt.fingerprint,
            "kind": ckpt.kind,
            "path": str(ckpt.path),
            "source": ckpt.source,
        },
        "dataset": {
            "fingerprint": data.fingerprint,
            "split": data.split,
            "n_samples": len(data.samples),
            "n_skipped": len(skipped),
            "skipped": skipped,
        },
        "span": key.span,
        "pooling": key.pooling,
        "dtype": key.dtype,
        "layers": layers,
        "token_rule": TOKEN_RULE,
        "layer_numbering": LAYER_NUMBERING,
        "sample_ids": ids,
        "families": fams,
        "tasks": tasks,
        "evol_of": evol,
        "shards": shards,
        "code_version": code_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,
    }


def _write_error(err: OSError, final: Path, done: int, total: int) -> UserError:
    why = (
        "no space left on device" if err.errno in (errno.ENOSPC, errno.EDQUOT) else (err.strerror or str(err))
    )
    return UserError(
        f"writing store {final.name} in {final.parent} failed: {why}; nothing was published, "
        f"{done}/{total} finished shards are kept in {partial_dir(final).name} and a rerun resumes from them"
    )


def build_store(
    ckpt: Checkpoint,
    data: Dataset,
    key: StoreKey,
    layers: list[LayerKey],
    *,
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
    progress: bool = True,
    padding_side: str = "right",
    shard_samples: int | None = None,
) -> Store:
    """Extract ``layers`` of ``ckpt`` on ``data`` into the store named by ``key`` (resuming a
    matching unfinished extraction) and return it. Holds the store's lock while writing."""
    from analysis import distributed

    if batch_tokens < 1:
        raise UserError(f"--batch-tokens must be a positive number of tokens, got {batch_tokens}")
    final = store_root() / key.name
    num_layers = int(json.loads((ckpt.path / "config.json").read_text()).get("num_hidden_layers", 0))
    dim = hidden_size_of(ckpt.path)
    per_shard = shard_samples or default_shard_samples(len(layers), dim)
    n = len(data.samples)
    plan = {
        "format": STORE_FORMAT,
        "key": key.name,
        "checkpoint": ckpt.fingerprint,
        "dataset": data.fingerprint,
        "layers": layers,
        "shard_samples": per_shard,
        "num_shards": math.ceil(n / per_shard),
        "padding_side": padding_side,
    }
    rank, world = distributed.rank_world()
    with distributed.leader_lock(final, rank, store_lock):
        existing = find_store(key, ckpt.fingerprint, data.fingerprint) if rank == 0 else None
        if existing is not None and set(layers) <= set(existing.layers):
            distributed.broadcast_done(True)
            return existing
        partial = PartialStore(final, plan)
        done = 0
        try:
            if rank == 0:
                done = partial.open()
            if distributed.broadcast_done(False):
                return Store.open(final)
            mine = distributed.my_shards(plan["num_shards"], rank, world)
            todo = [k for k in mine if not partial.done(k)]
            if done:
                log.info("resuming %s: %d/%d shards already finished", key.name, done, plan["num_shards"])
            if todo:
                _extract_shards(
                    ckpt,
                    data,
                    key,
                    layers,
                    partial,
                    todo,
                    per_shard,
                    dim,
                    batch_tokens,
                    progress,
                    padding_side,
                )
            distributed.barrier()
            if rank == 0:
                manifest = _manifest(
                    ckpt,
                    data,
                    key,
                    layers,
                    partial,
                    num_layers=num_layers,
                    hidden_size=dim,
                    padding_side=padding_side,
                    batch_tokens=batch_tokens,
                    shard_samples=per_shard,
                    world_size=world,
                )
                partial.finalize(manifest)
            distributed.barrier()
        except OSError as err:
            finished = sum(partial.done(k) for k in range(plan["num_shards"])) if partial.path.is_dir() else 0
            raise _write_error(err, final, finished, plan["num_shards"]) from None
    store = Store.open(final)
    skipped = store.manifest["dataset"]["n_skipped"]
    if skipped and rank == 0:
        reasons: dict[str, int] = {}
        for row in store.manifest["dataset"]["skipped"]:
            why = row["reason"].split(" (")[0]
            reasons[why] = reasons.get(why, 0) + 1
        log.warning("skipped %d of %d samples with no vector: %s", skipped, n, reasons)
    return store


def _extract_shards(
    ckpt: Checkpoint,
    data: Dataset,
    key: StoreKey,
    layers: list[LayerKey],
    partial: PartialStore,
    todo: list[int],
    per_shard: int,
    dim: int,
    batch_tokens: int,
    progress: bool,
    padding_side: str,
) -> None:
    from tqdm.auto import tqdm

    from analysis.capture import capturing
    from analysis.spans import Item, prepare_all

    model = load_model(ckpt, key.dtype)
    tokenizer = load_tokenizer(ckpt)
    check_offsets(tokenizer)
    chat_log = get_logger("trainer.data.chat")
    once = _OnceFilter()
    chat_log.addFilter(once)
    max_len = getattr(model.config, "max_position_embeddings", None)
    total = sum(min(per_shard, len(data.samples) - k * per_shard) for k in todo)
    bar = tqdm(
        total=total,
        unit="sample",
        desc=f"extract {ckpt.alias}/{key.span}",
        disable=not progress,
        dynamic_ncols=True,
        smoothing=0.1,
    )
    try:
        with capturing(model, layers) as cap:
            for k in todo:
                start = k * per_shard
                chunk = data.samples[start : start + per_shard]
                prepared = list(prepare_all(tokenizer, chunk, key.span, start, max_len))
                items = [p for p in prepared if isinstance(p, Item)]
                skipped = [[p.index, p.sample_id, p.reason] for p in prepared if not isinstance(p, Item)]
                bar.update(len(skipped))
                vectors = extract_chunk(
                    cap,
                    items,
                    tokenizer.pad_token_id,
                    dim,
                    key.pooling,
                    padding_side,
                    batch_tokens,
                    bar.update,
                )
                tensors = {tensor_name(layer): vectors[layer] for layer in layers}
                meta = {"chunk": k, "kept": [it.index for it in items], "skipped": skipped}
                partial.write_shard(k, tensors, meta)
    finally:
        bar.close()
        chat_log.removeFilter(once)


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
