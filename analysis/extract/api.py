"""The write side's public functions: :func:`extract` (what a notebook calls), :func:`ensure_store`
(one checkpoint, extracting on a miss) and :func:`remove_store`."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from analysis.extract.batching import DEFAULT_BATCH_TOKENS
from analysis.extract.build import BuildOptions, build_store, extraction_code_hash
from analysis.extract.samples import Dataset, cached_fingerprint, load_dataset
from analysis.layers import num_layers_of, parse_layers, sort_layers
from analysis.store import (
    MANIFEST,
    Store,
    StoreKey,
    check_options,
    find_store,
    is_suite_manifest,
    list_stores,
    open_store,
    read_manifest,
)
from lm.checkpoints import resolve
from symbolscope.errors import UserError, get_logger
from symbolscope.paths import store_root

log = get_logger(__name__)

Layers = str | int | Sequence[int | str]


def ensure_store(
    ckpt_alias: str,
    split: str = "analysis",
    span: str = "symbol",
    pooling: str = "mean",
    layers: Layers = "all",
    dtype: str = "float32",
    *,
    dataset: Dataset | None = None,
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
    progress: bool = True,
    padding_side: str = "right",
    shard_samples: int | None = None,
) -> Store:
    """The store of ``ckpt_alias`` on ``split`` (or an in-memory ``dataset``), extracting if missing.

    ``layers``: ``"all"`` (0..L plus ``final_norm``), ``"0,10,20"``, ``-1``, or a list. A hit needs
    the store to hold every requested layer; otherwise the union is extracted and replaces it.
    A hit reads neither the model nor (when its files are unchanged) the split. Raises
    :class:`UserError` for an unknown alias, split, span, pooling, dtype or layer.
    """
    check_options(span, pooling, dtype)
    ckpt = resolve(ckpt_alias)
    wanted = parse_layers(layers, num_layers_of(ckpt.path))
    if dataset is None:  # a hit must not read the split: use its cached fingerprint if unchanged
        known = cached_fingerprint(split)
        if known is not None:
            key = StoreKey(ckpt.fingerprint, known, span, pooling, dtype, extraction_code_hash())
            hit = find_store(key, ckpt.fingerprint, known)
            if hit is not None and set(wanted) <= set(hit.layers):
                return hit
    data = dataset if dataset is not None else load_dataset(split)
    key = StoreKey(ckpt.fingerprint, data.fingerprint, span, pooling, dtype, extraction_code_hash())
    existing = find_store(key, ckpt.fingerprint, data.fingerprint)
    if existing is not None:
        if set(wanted) <= set(existing.layers):
            return existing
        wanted = sort_layers([*wanted, *existing.layers])
        log.info("store %s lacks some requested layers; re-extracting %d layers", key.name, len(wanted))
    opts = BuildOptions(batch_tokens, progress, padding_side, shard_samples)
    return build_store(ckpt, data, key, wanted, opts)


def extract(
    aliases: str | Sequence[str],
    *,
    split: str = "analysis",
    span: str = "symbol",
    pooling: str = "mean",
    layers: Layers = "all",
    dtype: str = "float32",
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
    padding_side: str = "right",
    shard_samples: int | None = None,
    progress: bool = True,
) -> dict[str, Store]:
    """``{alias: Store}`` for each checkpoint alias, extracting what is missing (with a progress bar).

    ``aliases``: ``["base", "ours"]`` or ``"base,ours"``. Each store holds, per sample of ``split``
    and per layer, the hidden state pooled over ``span``; read it with ``store.read(layer)`` →
    ``(vectors [n, d] float32, sample_ids, families)``.
    """
    names = [a.strip() for a in aliases.split(",")] if isinstance(aliases, str) else [str(a) for a in aliases]
    names = [a for a in names if a]
    if not names:
        raise UserError("no checkpoint aliases given; e.g. ['base', 'ours']")
    how = {"batch_tokens": batch_tokens, "progress": progress, "padding_side": padding_side}
    return {
        alias: ensure_store(alias, split, span, pooling, layers, dtype, shard_samples=shard_samples, **how)
        for alias in names
    }


def remove_store(target: str | Path | Store) -> Path:
    """Delete one store (a :class:`Store`, its folder name, a unique name prefix, or its path)."""
    path = target.path if isinstance(target, Store) else _store_folder(str(target))
    root = store_root().resolve()
    if path.is_symlink() or path.resolve().parent != root or path.name.startswith("."):
        raise UserError(f"{path}: not a store folder directly under the store root {root}; not removing it")
    if not is_suite_manifest(read_manifest(path)):
        raise UserError(f"{path}: its {MANIFEST} is not a store manifest of this suite; not removing it")
    shutil.rmtree(path)
    return path


def _store_folder(target: str) -> Path:
    """The folder a store name, unique prefix or path names (any store format, even a damaged one)."""
    if not target.strip() or target.strip() in (".", ".."):
        raise UserError(f"{target!r} names no store; give a name from 'python -m analysis.extract ls'")
    path = Path(target).expanduser()
    if (path / MANIFEST).is_file():
        return path
    by_name = store_root() / target
    if "/" not in target and (by_name / MANIFEST).is_file():
        return by_name
    return open_store(target).path


__all__ = ["ensure_store", "extract", "list_stores", "remove_store"]
