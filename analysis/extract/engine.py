"""The extraction engine: a model, its tokenizer and samples in; pooled vectors per layer out.

Samples are sorted by token length and batched under a padded token budget
(:mod:`analysis.extract.batching`); hooks pool every requested layer on the fly and the forward
stops after the deepest one, never reaching the LM head (:mod:`analysis.extract.capture`).
:func:`extract_shards` runs the engine over the shards a rank owns and hands each finished shard
to the writer, so memory is bounded by one shard.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from analysis.extract.batching import DEFAULT_BATCH_TOKENS, Batch, collate, plan_batches
from analysis.extract.capture import Capturer, capturing
from analysis.extract.prefix import (
    MIN_PREFIX,
    Prefix,
    PrefixCache,
    attach,
    common_prefix,
    harvest,
)
from analysis.extract.samples import Dataset
from analysis.extract.spans import Item, prepare_all
from analysis.extract.writer import PartialStore
from analysis.layers import LayerKey, tensor_name
from analysis.store import StoreKey
from analysis.symbolstore import TABLE_COLUMNS
from lm.checkpoints import Checkpoint, load_model, load_tokenizer
from symbolcollection.chat import has_offsets
from symbolscope.errors import UserError

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


def extract_chunk(
    capturer: Capturer,
    items: Sequence[Item],
    pad_id: int,
    dim: int,
    pooling: str = "mean",
    padding_side: str = "right",
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
    on_batch: Callable[[int], object] | None = None,
    symbols_out: dict[LayerKey, np.ndarray] | None = None,
    prefixes: PrefixCache | None = None,
) -> dict[LayerKey, np.ndarray]:
    """Pooled vectors ``{layer: [len(items), d] float32}`` for ``items``, rows in ``items`` order.

    Items are batched by length under ``batch_tokens`` padded tokens; ``on_batch(n)`` is called
    after each batch of ``n`` samples (progress). A non-finite vector raises :class:`UserError`
    naming the sample. With ``symbols_out``, it receives ``{layer: [S, d] float32}`` for the
    capturer's symbol layers: the items' symbols, rows in item order then symbol order. With
    ``prefixes``, shared prompt prefixes are computed once (:mod:`analysis.extract.prefix`).
    """
    out = {k: np.empty((len(items), dim), dtype=np.float32) for k in capturer.layers}
    first = np.cumsum([0, *(len(it.symbols) for it in items)])
    if symbols_out is not None:
        symbols_out.update({k: np.empty((first[-1], dim), np.float32) for k in capturer.symbol_layers})
    pasts, wants = _plan_prefixes(capturer, items, pad_id, prefixes)
    starts = [len(p.ids) if p is not None else 0 for p in pasts]
    # the budget counts a row's past too: its keys and values are gathered per row and attended
    for batch_idx in plan_batches([it.needed for it in items], batch_tokens):
        chosen = [items[i] for i in batch_idx]
        batch = collate(chosen, pad_id, padding_side, pooling, [starts[i] for i in batch_idx])
        if prefixes is not None:
            batch = attach(
                batch,
                chosen,
                [pasts[i] for i in batch_idx],
                [wants[i] for i in batch_idx],
                padding_side,
                capturer.blocks_run,
            )
        names = [items[i].sample_id for i in batch_idx]
        for key, vec in _run_keeping(capturer, batch, prefixes).items():
            out[key][batch_idx] = _finite(vec.numpy(), key, names)
        if symbols_out is not None and capturer.symbols:
            rows = np.concatenate([np.arange(first[i], first[i + 1]) for i in batch_idx])
            owners = [items[i].sample_id for i in batch_idx for _ in items[i].symbols]
            for key, vec in capturer.symbols.items():
                symbols_out[key][rows] = _finite(vec.numpy(), key, owners)
        if on_batch is not None:
            on_batch(len(batch_idx))
    return out


def _run_keeping(capturer: Capturer, batch: Batch, prefixes: PrefixCache | None) -> dict[LayerKey, Any]:
    """``capturer.run(batch)``, then the prefixes the batch was asked to keep go into ``prefixes``."""
    out = capturer.run(batch)
    for row, cols, ids in batch.keep:
        prefixes.add(harvest(capturer.cache, row, cols, ids))  # type: ignore[union-attr]
    capturer.cache = None
    return out


def _plan_prefixes(
    capturer: Capturer, items: Sequence[Item], pad_id: int, prefixes: PrefixCache | None
) -> tuple[list[Prefix | None], list[int]]:
    """Per item, the prefix it starts after (None: from token 0) and the length of the wanted
    prefix its forward should keep (0: none). The prefix is a held one that was asked for (a
    twin's original's prompt) or else the items' common prefix, run here first: so a chunk's
    vectors do not depend on which chunks ran before it in the process (resume)."""
    if prefixes is None or capturer.blocks_run == 0 or not items:
        return [None] * len(items), [0] * len(items)
    limits = [it.first_pooled for it in items]
    n = common_prefix([it.input_ids for it in items], limits)
    shared = _run_prefix(capturer, tuple(items[0].input_ids[:n]), pad_id) if n >= MIN_PREFIX else None
    pasts: list[Prefix | None] = []
    for it, limit in zip(items, limits, strict=True):
        held = prefixes.longest(it.input_ids, limit, capturer.blocks_run)
        pasts.append(held if held is not None and len(held.ids) > n else shared)
    wants = [prefixes.wanted_in(it.input_ids, it.needed) for it in items]
    return pasts, wants


def _run_prefix(capturer: Capturer, ids: tuple[int, ...], pad_id: int) -> Prefix:
    """The keys and values of ``ids`` (one forward of them alone)."""
    head = Item(-1, "<shared prefix>", ids, (len(ids) - 1,))
    capturer.run(attach(collate([head], pad_id), [head], [None], [len(ids)], "right", capturer.blocks_run))
    prefix = harvest(capturer.cache, 0, torch.arange(len(ids)), ids)
    capturer.cache = None
    return prefix


def _finite(arr: np.ndarray, key: LayerKey, names: Sequence[str]) -> np.ndarray:
    """``arr`` ``[n, d]`` if every value is finite, else the :class:`UserError` naming the sample
    of the first bad row (``names[row]``)."""
    if not np.isfinite(arr).all():
        bad = names[int(np.nonzero(~np.isfinite(arr).all(axis=1))[0][0])]
        raise UserError(
            f"layer {key} of sample '{bad}' is not finite (NaN/inf); the checkpoint or dtype "
            "overflows, try --dtype float32"
        )
    return arr


@dataclass(frozen=True)
class ShardJob:
    """What one rank extracts: which shards of ``data``, with which settings, into ``partial``."""

    ckpt: Checkpoint
    data: Dataset
    key: StoreKey
    layers: list[LayerKey]
    partial: PartialStore
    todo: list[int]
    per_shard: int
    dim: int
    batch_tokens: int = DEFAULT_BATCH_TOKENS
    padding_side: str = "right"
    progress: bool = True
    symbol_layers: tuple[LayerKey, ...] = ()  # none: no symbol vectors
    symbol_dtype: str = "float16"
    share_prefixes: bool = True  # compute shared prompt prefixes once (analysis.extract.prefix)


def symbol_rows(data: Dataset, items: Sequence[Item]) -> dict[str, Any]:
    """The symbol table columns of ``items`` (rows in item order, then symbol order) and the
    samples whose output did not lex (``skipped``: ``[[id, reason]]``)."""
    cols: dict[str, list[Any]] = {name: [] for name in TABLE_COLUMNS}
    for it in items:
        sample = data.samples[it.index]
        for pos, span in enumerate(it.symbols):
            sym = span.symbol
            row = {
                "sample_id": sample.id,
                "family": sample.family,
                "task": sample.task,
                "evol_of": data.evol_of[it.index],
                "symbol": sym.text,
                "cls": sym.cls,
                "concept": span.concept,
                "start": sym.start,
                "end": sym.end,
                "position": pos,
                "n_tokens": len(span.positions),
                "shared": span.shared,
                "token_ids": [it.input_ids[p] for p in span.positions],
            }
            for name in TABLE_COLUMNS:
                cols[name].append(row[name])
    skipped = [[it.sample_id, it.symbol_error] for it in items if it.symbol_error is not None]
    return {"rows": cols, "skipped": skipped}


def _shard_samples(job: ShardJob, k: int) -> int:
    return min(job.per_shard, len(job.data.samples) - k * job.per_shard)


def _one_shard(
    job: ShardJob,
    k: int,
    cap: Capturer,
    tokenizer: PreTrainedTokenizerBase,
    max_len: int | None,
    bar: object,
    prefixes: PrefixCache | None,
) -> None:
    """Prepare, extract and write shard ``k`` (skipped samples are recorded, not extracted)."""
    start = k * job.per_shard
    chunk = job.data.samples[start : start + job.per_shard]
    with_symbols = bool(job.symbol_layers)
    prepared = list(prepare_all(tokenizer, chunk, job.key.span, start, max_len, with_symbols))
    items = [p for p in prepared if isinstance(p, Item)]
    skipped = [[p.index, p.sample_id, p.reason] for p in prepared if not isinstance(p, Item)]
    bar.update(len(skipped))  # type: ignore[attr-defined]
    symbols: dict[LayerKey, np.ndarray] = {}
    vectors = extract_chunk(
        cap,
        items,
        tokenizer.pad_token_id,
        job.dim,
        job.key.pooling,
        job.padding_side,
        job.batch_tokens,
        bar.update,  # type: ignore[attr-defined]
        symbols if with_symbols else None,
        prefixes,
    )
    if with_symbols:
        named = {tensor_name(layer): symbols[layer] for layer in job.symbol_layers}
        job.partial.write_symbol_shard(k, named, job.symbol_dtype, symbol_rows(job.data, items))
    tensors = {tensor_name(layer): vectors[layer] for layer in job.layers}
    job.partial.write_shard(k, tensors, {"chunk": k, "kept": [it.index for it in items], "skipped": skipped})


_held: dict[tuple[str, str], tuple[Any, Any]] | None = None
_prefixes: dict[tuple[str, str], PrefixCache] | None = None


@contextlib.contextmanager
def holding_models() -> Iterator[None]:
    """Inside, each checkpoint's model and tokenizer are loaded once and reused by every
    extraction (several splits of one checkpoint: one load), and so are the prompt prefixes it
    computed (:func:`want_prefixes`); released on exit."""
    global _held, _prefixes
    outer, _held = _held, {} if _held is None else _held
    _prefixes = {} if _prefixes is None else _prefixes
    try:
        yield
    finally:
        if outer is None:
            _held, _prefixes = None, None


def _loaded(ckpt: Checkpoint, dtype: str) -> tuple[Any, PreTrainedTokenizerBase]:
    key = (ckpt.fingerprint, dtype)
    if _held is not None and key in _held:
        return _held[key]
    pair = load_model(ckpt, dtype), load_tokenizer(ckpt)
    if _held is not None:
        _held.clear()  # one checkpoint at a time
        _held[key] = pair
    return pair


def prefix_cache(ckpt: Checkpoint, dtype: str) -> PrefixCache:
    """The prompt prefixes of ``ckpt`` in ``dtype``: held while :func:`holding_models` is open
    (one checkpoint at a time), else a new cache."""
    key = (ckpt.fingerprint, dtype)
    if _prefixes is None:
        return PrefixCache()
    if key not in _prefixes:
        _prefixes.clear()
        _prefixes[key] = PrefixCache()
    return _prefixes[key]


def want_prefixes(ckpt: Checkpoint, dtype: str, data: Dataset, span: str, symbols: bool = False) -> int:
    """Inside :func:`holding_models`, ask that each sample's prompt (its tokens before the first
    pooled one) be kept when an earlier extraction of ``ckpt`` computes it; the number asked for.
    A corrupted twin repeats its original's prompt, so extracting the originals first leaves the
    twins only their outputs to run. Outside, nothing is kept (0)."""
    if _prefixes is None:
        return 0
    cache = prefix_cache(ckpt, dtype)
    count = 0
    for it in prepare_all(load_tokenizer(ckpt), data.samples, span, 0, None, symbols):
        if isinstance(it, Item):
            cache.want(it.input_ids[: it.first_pooled])
            count += 1
    return count


def extract_shards(job: ShardJob) -> None:
    """Load the model once and extract every shard in ``job.todo`` into ``job.partial``."""
    from tqdm.auto import tqdm

    if not job.progress:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    model, tokenizer = _loaded(job.ckpt, job.key.dtype)
    prefixes = prefix_cache(job.ckpt, job.key.dtype) if job.share_prefixes else None
    has_offsets(tokenizer)
    max_len = getattr(model.config, "max_position_embeddings", None)
    total = sum(_shard_samples(job, k) for k in job.todo)
    bar = tqdm(
        total=total,
        unit="sample",
        desc=f"extract {job.ckpt.alias}/{job.key.span}",
        disable=not job.progress,
        dynamic_ncols=True,
        smoothing=0.1,
    )
    try:
        with capturing(model, job.layers, job.symbol_layers) as cap:
            for k in job.todo:
                _one_shard(job, k, cap, tokenizer, max_len, bar, prefixes)
    finally:
        bar.close()
