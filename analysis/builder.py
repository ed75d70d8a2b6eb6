"""Build an activation store: plan the shards, extract the missing ones, publish atomically.

Samples are cut, in dataset order, into shards of ``shard_samples`` (default: about 64 MB of
pooled fp32 vectors), so memory is bounded by one shard whatever the number of samples. Each
shard is extracted by :func:`analysis.extract.extract_chunk` and written atomically into the
hidden partial folder (:mod:`analysis.writer`); after the last one the manifest is written and
the folder renamed into place. Under several ranks each extracts its own shards
(:mod:`analysis.distributed`).
"""

from __future__ import annotations

import errno
import hashlib
import importlib.metadata
import json
import logging
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.checkpoints import Checkpoint, load_model, load_tokenizer
from analysis.layers import LayerKey, tensor_name
from analysis.samples import Dataset
from analysis.store import DEFAULT_BATCH_TOKENS, STORE_FORMAT, Store, StoreKey, find_store, store_root
from analysis.writer import PartialStore, partial_dir, store_lock
from trainer.data.errors import UserError, get_logger
from trainer.data.version import code_version

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
    "analysis/builder.py",
    "analysis/layers.py",
    "trainer/data/chat.py",
)


def extraction_code_hash() -> str:
    """Package version plus a short hash of the extraction sources.

    Narrower than the suite's :func:`code_version`: unfinished shards are resumed only by the
    same extraction code, while unrelated commits do not discard them.
    """
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
        "extraction_code": extraction_code_hash(),
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
        "extraction_code": extraction_code_hash(),  # shards of other code are not resumed from
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
            if world > 1:
                log.info("rank %d/%d extracts shards %s", rank, world, todo)
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
                    progress and rank == 0,
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
    from analysis.extract import check_offsets, extract_chunk
    from analysis.spans import Item, prepare_all

    if not progress:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
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
