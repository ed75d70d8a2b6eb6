"""The write side's public functions: :func:`run` (what a notebook calls:
``analysis.extract.run``), :func:`ensure_store` (one checkpoint, extracting on a miss) and
:func:`remove_store`."""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from analysis.extract.build import BuildOptions, SymbolRequest, build_store, extraction_code_hash
from analysis.extract.config import DEFAULTS, ExtractConfig
from analysis.extract.engine import holding_models, want_prefixes
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
from analysis.symbolstore import SYMBOL_DTYPES
from lm.checkpoints import resolve
from symbolscope.errors import UserError, get_logger
from symbolscope.paths import store_root

log = get_logger(__name__)

Layers = str | int | Sequence[int | str]


def ensure_store(
    ckpt_alias: str,
    split: str = DEFAULTS.split,
    span: str = DEFAULTS.span,
    pooling: str = DEFAULTS.pooling,
    layers: Layers = DEFAULTS.layers,
    dtype: str = DEFAULTS.dtype,
    *,
    dataset: Dataset | None = None,
    batch_tokens: int = DEFAULTS.batch_tokens,
    progress: bool = DEFAULTS.progress,
    padding_side: str = DEFAULTS.padding_side,
    shard_samples: int | None = DEFAULTS.shard_samples,
    symbols: bool = DEFAULTS.symbols,
    symbol_layers: Layers = DEFAULTS.symbol_layers,
    symbol_dtype: str = DEFAULTS.symbol_dtype,
    share_prefixes: bool = DEFAULTS.share_prefixes,
) -> Store:
    """The store of ``ckpt_alias`` on ``split`` (or an in-memory ``dataset``), extracting if missing.

    ``layers``: ``"all"`` (0..L plus ``final_norm``), ``"0,10,20"``, ``-1``, or a list. A hit needs
    the store to hold every requested layer (and, with ``symbols``, every ``symbol_layers`` in
    ``symbol_dtype``: :class:`analysis.symbolstore.SymbolStore`); otherwise the union is extracted
    in one pass and replaces it. A hit reads neither the model nor (when its files are unchanged)
    the split. Raises :class:`UserError` for an unknown alias, split, span, pooling, dtype or layer.
    """
    check_options(span, pooling, dtype)
    ckpt = resolve(ckpt_alias)
    n_layers = num_layers_of(ckpt.path)
    wanted = parse_layers(layers, n_layers)
    sym = _symbol_request(symbols, symbol_layers, symbol_dtype, n_layers)
    if dataset is None:  # a hit must not read the split: use its cached fingerprint if unchanged
        known = cached_fingerprint(split)
        if known is not None:
            key = StoreKey(ckpt.fingerprint, known, span, pooling, dtype, extraction_code_hash())
            hit = find_store(key, ckpt.fingerprint, known)
            if hit is not None and _holds(hit, wanted, sym):
                return hit
    data = dataset if dataset is not None else load_dataset(split)
    key = StoreKey(ckpt.fingerprint, data.fingerprint, span, pooling, dtype, extraction_code_hash())
    existing = find_store(key, ckpt.fingerprint, data.fingerprint)
    if existing is not None:
        if _holds(existing, wanted, sym):
            return existing
        wanted, sym = _union(existing, wanted, sym)
        log.info("store %s lacks some requested layers; re-extracting %d layers", key.name, len(wanted))
    opts = BuildOptions(batch_tokens, progress, padding_side, shard_samples, share_prefixes)
    return build_store(ckpt, data, key, wanted, opts, sym)


def _symbol_request(on: bool, layers: Layers, dtype: str, n_layers: int) -> SymbolRequest | None:
    if not on:
        return None
    if dtype not in SYMBOL_DTYPES:
        raise UserError(f"unknown symbol dtype '{dtype}'; use one of {', '.join(SYMBOL_DTYPES)}")
    return SymbolRequest(tuple(parse_layers(layers, n_layers, where=" (--symbol-layers)")), dtype)


def _holds(store: Store, wanted: list, sym: SymbolRequest | None) -> bool:
    return set(wanted) <= set(store.layers) and (sym is None or sym.met_by(store))


def _union(existing: Store, wanted: list, sym: SymbolRequest | None) -> tuple[list, SymbolRequest | None]:
    """The layers (and symbol layers) of ``existing`` added to the request: one pass writes both."""
    layers = sort_layers([*wanted, *existing.layers])
    had = existing.manifest.get("symbols")
    if had and (sym is None or had.get("dtype") == sym.dtype):
        dtype = sym.dtype if sym is not None else had["dtype"]
        sym = SymbolRequest(tuple(sort_layers([*(sym.layers if sym else ()), *had["layers"]])), dtype)
    return layers, sym


def run(
    aliases: str | Sequence[str],
    *,
    split: str = DEFAULTS.split,
    span: str = DEFAULTS.span,
    pooling: str = DEFAULTS.pooling,
    layers: Layers = DEFAULTS.layers,
    dtype: str = DEFAULTS.dtype,
    batch_tokens: int = DEFAULTS.batch_tokens,
    padding_side: str = DEFAULTS.padding_side,
    shard_samples: int | None = DEFAULTS.shard_samples,
    progress: bool = DEFAULTS.progress,
    symbols: bool = DEFAULTS.symbols,
    symbol_layers: Layers = DEFAULTS.symbol_layers,
    symbol_dtype: str = DEFAULTS.symbol_dtype,
    share_prefixes: bool = DEFAULTS.share_prefixes,
) -> dict[str, Store]:
    """``{alias: Store}`` for each checkpoint alias, extracting what is missing (with a progress bar).

    ``aliases``: ``["base", "ours"]`` or ``"base,ours"``; the keywords are the fields of
    :class:`~analysis.extract.config.ExtractConfig` (``run(aliases, **asdict(config))``). Each
    store holds, per sample of ``split`` and per layer, the hidden state pooled over ``span``;
    ``store.read(layer)`` gives a :class:`~analysis.store.Vectors` record ``(vectors [n, d]
    float32, ids, families)``; with ``symbols``, ``SymbolStore.of(store)`` its symbols' vectors.
    """
    names = [a.strip() for a in aliases.split(",")] if isinstance(aliases, str) else [str(a) for a in aliases]
    names = [a for a in names if a]
    if not names:
        raise UserError("no checkpoint aliases given; e.g. ['base', 'ours']")
    how = {"batch_tokens": batch_tokens, "progress": progress, "padding_side": padding_side}
    how |= {"symbols": symbols, "symbol_layers": symbol_layers, "symbol_dtype": symbol_dtype}
    how |= {"share_prefixes": share_prefixes}
    return {
        alias: ensure_store(alias, split, span, pooling, layers, dtype, shard_samples=shard_samples, **how)
        for alias in names
    }


def keep_prompts_for(
    ckpt_alias: str,
    split: str,
    span: str = DEFAULTS.span,
    pooling: str = DEFAULTS.pooling,
    dtype: str = DEFAULTS.dtype,
    symbols: bool = DEFAULTS.symbols,
) -> int:
    """Inside :func:`analysis.extract.engine.holding_models`, before the checkpoint's earlier
    splits are extracted: keep the prompts of ``split``'s samples when those extractions compute
    them, so that ``split`` runs only what follows (a corrupted twin repeats its original's
    prompt). The number of prompts asked for; 0 when ``split``'s store exists already."""
    ckpt = resolve(ckpt_alias)
    known = cached_fingerprint(split)
    if known is not None:
        key = StoreKey(ckpt.fingerprint, known, span, pooling, dtype, extraction_code_hash())
        if find_store(key, ckpt.fingerprint, known) is not None:
            return 0
    return want_prefixes(ckpt, dtype, load_dataset(split), span, symbols)


def extract_splits(alias: str, configs: Sequence[ExtractConfig]) -> list[tuple[Store, float]]:
    """The store of ``alias`` for each config (a split each, in order) and the seconds each took,
    with one model load for all; the prompts of later splits are kept from the earlier ones'
    forwards when ``share_prefixes`` (:func:`keep_prompts_for`)."""
    out = []
    with holding_models():
        for later in configs[1:]:
            if later.share_prefixes:
                keep_prompts_for(alias, later.split, later.span, later.pooling, later.dtype, later.symbols)
        for config in configs:
            t0 = time.perf_counter()
            store = run([alias], **asdict(config))[alias]
            out.append((store, time.perf_counter() - t0))
    return out


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


__all__ = ["ensure_store", "extract_splits", "keep_prompts_for", "list_stores", "remove_store", "run"]
