"""Build an activation store: plan the shards, extract the missing ones, publish atomically.

Samples are cut, in dataset order, into shards of ``shard_samples`` (default: about 64 MB of
pooled fp32 vectors), so memory is bounded by one shard whatever the number of samples. Each
shard is extracted by :mod:`analysis.extract.engine` and written atomically into the hidden
partial folder (:mod:`analysis.extract.writer`); after the last one the manifest is written and
the folder renamed into place. Three named steps: :func:`plan` (shards, resume key), :func:`run`
(this rank's missing shards) and :func:`publish` (manifest, rename). Under several ranks each
extracts its own shards (:mod:`symbolscope.distributed`); rank 0 alone locks and publishes.
"""

from __future__ import annotations

import errno
import functools
import importlib.metadata
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.extract.config import DEFAULTS
from analysis.extract.engine import ShardJob, extract_shards
from analysis.extract.samples import Dataset
from analysis.extract.writer import PartialStore, partial_dir, shard_name, store_lock
from analysis.layers import LayerKey
from analysis.store import STORE_FORMAT, Store, StoreKey, find_store
from analysis.symbolstore import (
    SYMBOL_TOKEN_RULE,
    SYMBOLS_FORMAT,
    SYMBOLS_MANIFEST,
    TABLE_COLUMNS,
    symbol_shard_name,
)
from lm.checkpoints import Checkpoint
from lm.checkpoints.fingerprint import check_config_matches_weights, read_config
from symbolscope import codehash, distributed
from symbolscope.errors import UserError, get_logger
from symbolscope.io import WriteRefused, atomic_write_json, sha256_file
from symbolscope.paths import store_root, writable_dir
from symbolscope.version import code_version

log = get_logger(__name__)

#: Bytes of pooled fp32 vectors one shard may hold in memory (sets the default shard size).
SHARD_BYTES = 64 << 20
TOKEN_RULE = (
    "a token belongs to the character span in which its first character lies; BOS and padding never pooled"
)
LAYER_NUMBERING = "0 = embedding output, 1..L = block outputs before the final norm, final_norm = after it"
#: Modules whose code cannot change a vector (messages, paths): left out of the extraction code hash.
NOT_EXTRACTION_CODE = ("symbolscope.errors", "symbolscope.paths")


@functools.cache
def extraction_code_hash() -> str:
    """Package version plus a short hash of the extraction code: every project module this module
    imports (:func:`symbolscope.codehash.closure`: spans, engine, the chat template that decides
    the symbol span, the dataset loading, ...).

    Narrower than the suite's :func:`code_version`: part of the store's key (a change of the
    extraction code is a cache miss) and of the resume key of unfinished shards, while commits
    that do not touch this code keep both.
    """
    try:
        version = importlib.metadata.version("symbolscope")
    except importlib.metadata.PackageNotFoundError:
        version = "0+local"
    return f"{version}+{codehash.fingerprint(__name__, exclude=NOT_EXTRACTION_CODE)[:12]}"


def hidden_size_of(model_dir: Path) -> int:
    """Hidden size read from ``config.json``."""
    cfg = read_config(Path(model_dir))
    cfg = cfg if "hidden_size" in cfg or "n_embd" in cfg else cfg.get("text_config", cfg)
    return int(cfg.get("hidden_size") or cfg["n_embd"])


def default_shard_samples(num_layers: int, dim: int) -> int:
    """Samples per shard so that one shard's vectors take about :data:`SHARD_BYTES` (16..8192)."""
    return max(16, min(8192, SHARD_BYTES // max(1, num_layers * dim * 4)))


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
        f = partial.path / shard_name(k)
        shards.append(
            {"file": f.name, "rows": [start, len(ids)], "bytes": f.stat().st_size, "sha256": sha256_file(f)}
        )
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


def _write_error(err: OSError | WriteRefused, final: Path, done: int, total: int) -> UserError:
    if isinstance(err, WriteRefused):  # names the file, the bytes it needed and the bytes free
        why = err.reason
    elif err.errno in (errno.ENOSPC, errno.EDQUOT):
        why = "no space left on device"
    else:
        why = err.strerror or str(err)
    return UserError(
        f"writing store {final.name} in {final.parent} failed: {why}; nothing was published, "
        f"{done}/{total} finished shards are kept in {partial_dir(final).name} and a rerun resumes from them"
    )


@dataclass(frozen=True)
class BuildOptions:
    """How to extract (none of it changes the vectors, so none of it is in the store key)."""

    batch_tokens: int = DEFAULTS.batch_tokens
    progress: bool = DEFAULTS.progress
    padding_side: str = DEFAULTS.padding_side
    shard_samples: int | None = DEFAULTS.shard_samples
    share_prefixes: bool = DEFAULTS.share_prefixes


@dataclass(frozen=True)
class SymbolRequest:
    """Symbol vectors to write in the same pass: at ``layers``, stored as ``dtype``."""

    layers: tuple[LayerKey, ...]
    dtype: str = "float16"

    def met_by(self, store: Store) -> bool:
        """Whether ``store`` already holds these symbol layers in this dtype."""
        have = store.manifest.get("symbols") or {}
        return have.get("dtype") == self.dtype and set(self.layers) <= set(have.get("layers", []))


@dataclass(frozen=True)
class Plan:
    """Where a store is built and how its samples are cut into shards."""

    final: Path
    num_layers: int
    dim: int
    per_shard: int
    num_shards: int
    resume_key: dict[str, Any]


def plan(
    ckpt: Checkpoint,
    data: Dataset,
    key: StoreKey,
    layers: list[LayerKey],
    opts: BuildOptions,
    symbols: SymbolRequest | None = None,
) -> Plan:
    """Step 1: the store's folder, shard size and the key under which unfinished shards resume."""
    if opts.batch_tokens < 1:
        raise UserError(f"--batch-tokens must be a positive number of tokens, got {opts.batch_tokens}")
    check_config_matches_weights(ckpt.path)
    num_layers = int(read_config(ckpt.path).get("num_hidden_layers", 0))
    dim = hidden_size_of(ckpt.path)
    per_shard = opts.shard_samples or default_shard_samples(len(layers), dim)
    num_shards = math.ceil(len(data.samples) / per_shard)
    resume_key = {
        "format": STORE_FORMAT,
        "key": key.name,
        "checkpoint": ckpt.fingerprint,
        "dataset": data.fingerprint,
        "layers": layers,
        "shard_samples": per_shard,
        "num_shards": num_shards,
        "padding_side": opts.padding_side,
        "extraction_code": extraction_code_hash(),  # shards of other code are not resumed from
        "symbols": None if symbols is None else {"layers": list(symbols.layers), "dtype": symbols.dtype},
    }
    return Plan(store_root() / key.name, num_layers, dim, per_shard, num_shards, resume_key)


def run(job: ShardJob, rank: int, world: int, resumed: int) -> None:
    """Step 2: extract this rank's shards that are not finished yet."""
    mine = distributed.my_shards(job.partial.plan["num_shards"], rank, world)
    todo = [k for k in mine if not job.partial.done(k)]
    if resumed:
        log.info("resuming %s: %d/%d shards already finished", job.key.name, resumed, len(mine))
    if world > 1:
        log.info("rank %d/%d extracts shards %s", rank, world, todo)
    if todo:
        extract_shards(ShardJob(**{**job.__dict__, "todo": todo}))


def publish(job: ShardJob, p: Plan, opts: BuildOptions, world: int) -> None:
    """Step 3 (rank 0): write the manifest and rename the partial folder into place."""
    manifest = _manifest(
        job.ckpt,
        job.data,
        job.key,
        job.layers,
        job.partial,
        num_layers=p.num_layers,
        hidden_size=p.dim,
        padding_side=opts.padding_side,
        share_prefixes=opts.share_prefixes,
        batch_tokens=opts.batch_tokens,
        shard_samples=p.per_shard,
        world_size=world,
    )
    if job.symbol_layers:
        manifest["symbols"] = publish_symbols(job)
    job.partial.finalize(manifest)


def publish_symbols(job: ShardJob) -> dict[str, Any]:
    """Write the symbol store's manifest (``symbols.json``: table, shards, skipped) into the
    partial folder; return the sample manifest's summary of it."""
    table: dict[str, list[Any]] = {name: [] for name in TABLE_COLUMNS}
    shards, skipped = [], []
    for k in range(int(job.partial.plan["num_shards"])):
        name = symbol_shard_name(k)
        meta = job.partial.shard_meta(k, name)
        start = len(table["sample_id"])
        for col in TABLE_COLUMNS:
            table[col].extend(meta["rows"][col])
        skipped.extend({"id": sid, "reason": why} for sid, why in meta["skipped"])
        f = job.partial.path / name
        rows = [start, len(table["sample_id"])]
        shards.append({"file": name, "rows": rows, "bytes": f.stat().st_size, "sha256": sha256_file(f)})
    summary = {"layers": list(job.symbol_layers), "dtype": job.symbol_dtype, "rows": len(table["sample_id"])}
    body = {"format": SYMBOLS_FORMAT, **summary, "token_rule": SYMBOL_TOKEN_RULE, "shards": shards}
    atomic_write_json(job.partial.path / SYMBOLS_MANIFEST, {**body, "skipped": skipped, "rows": table})
    return {**summary, "skipped": len(skipped)}


def _warn_skipped(store: Store, n: int) -> None:
    skipped = store.manifest["dataset"]["n_skipped"]
    if skipped:
        reasons: dict[str, int] = {}
        for row in store.manifest["dataset"]["skipped"]:
            why = row["reason"].split(" (")[0]
            reasons[why] = reasons.get(why, 0) + 1
        log.warning("skipped %d of %d samples with no vector: %s", skipped, n, reasons)


def build_store(
    ckpt: Checkpoint,
    data: Dataset,
    key: StoreKey,
    layers: list[LayerKey],
    opts: BuildOptions | None = None,
    symbols: SymbolRequest | None = None,
) -> Store:
    """Extract ``layers`` of ``ckpt`` on ``data`` into the store named by ``key`` (resuming a
    matching unfinished extraction), with ``symbols`` also the symbol vectors, and return it.
    Rank 0 holds the store's lock while writing."""
    opts = opts or BuildOptions()
    if symbols is not None and key.span != "symbol":
        raise UserError(f"symbol vectors come with the symbol span; --span {key.span} cannot hold them")
    p = plan(ckpt, data, key, layers, opts, symbols)
    info = distributed.init_distributed()
    rank, world = info.rank, info.world
    if rank == 0:
        writable_dir(p.final.parent, "the store folder of SYMBOLSCOPE_HOME")  # before any extraction
    with distributed.leader_lock(p.final, rank, store_lock):
        existing = find_store(key, ckpt.fingerprint, data.fingerprint) if rank == 0 else None
        hit = existing is not None and set(layers) <= set(existing.layers)
        if distributed.broadcast(hit and (symbols is None or symbols.met_by(existing))):
            return existing if existing is not None else Store.open(p.final)
        partial = PartialStore(p.final, p.resume_key)
        job = ShardJob(
            ckpt,
            data,
            key,
            layers,
            partial,
            [],
            p.per_shard,
            p.dim,
            opts.batch_tokens,
            opts.padding_side,
            opts.progress and rank == 0,
            symbols.layers if symbols is not None else (),
            symbols.dtype if symbols is not None else "float16",
            opts.share_prefixes,
        )
        try:
            resumed = partial.open() if rank == 0 else 0
            distributed.barrier()
            run(job, rank, world, resumed)
            distributed.barrier()
            if rank == 0:
                publish(job, p, opts, world)
            distributed.barrier()
        except (OSError, WriteRefused) as err:
            finished = sum(partial.done(k) for k in range(p.num_shards)) if partial.path.is_dir() else 0
            raise _write_error(err, p.final, finished, p.num_shards) from None
    store = Store.open(p.final)
    if rank == 0:
        _warn_skipped(store, len(data.samples))
    return store
