"""The activation store: per-sample, per-layer pooled vectors on disk, and the API to read them.

One folder per (checkpoint fingerprint, dataset fingerprint, span, pooling, dtype) under
``home()/store/``, holding safetensors shards (``layer.<i>`` tensors, ``[n_shard, d]`` fp32, rows
in dataset order) and ``manifest.json``. Consumers call::

    store = ensure_store("base", split="analysis", span="symbol")   # extracts on a miss
    vectors, sample_ids, families = store.read(-1)                  # [n, d] float32

A cache hit costs no model or tokenizer load (and no torch import): it resolves the checkpoint
(fingerprints are cached), loads the split, hashes it and opens the manifest. Layer keys are
ints ``0..L`` (0 = embeddings, L = last block before the final norm) and ``"final_norm"``;
see :mod:`analysis.layers`. Writing lives in :mod:`analysis.extract` and :mod:`analysis.writer`.
"""

from __future__ import annotations

import json
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analysis.checkpoints import home, resolve
from analysis.layers import LayerKey, normalise_layer, num_layers_of, parse_layers, sort_layers, tensor_name
from analysis.samples import Dataset, cached_fingerprint, load_dataset
from analysis.writer import MANIFEST
from trainer.data.errors import UserError, get_logger

log = get_logger(__name__)

#: Bumped whenever the meaning of stored vectors changes (span rule, numbering, pooling):
#: part of every store's folder name, so an old store is never read as a new one.
STORE_FORMAT = 1
DEFAULT_BATCH_TOKENS = 2048
DTYPES: tuple[str, ...] = ("float32", "bfloat16")


def store_root() -> Path:
    """Where stores live: ``home()/store``."""
    return home() / "store"


@dataclass(frozen=True)
class StoreKey:
    """What identifies a store's contents (layers are not part of it: a store may hold more)."""

    checkpoint: str  # checkpoint fingerprint
    dataset: str  # dataset fingerprint (hex)
    span: str
    pooling: str
    dtype: str

    @property
    def name(self) -> str:
        """The store's folder name."""
        return f"{self.checkpoint[:16]}-{self.dataset[:16]}-{self.span}-{self.pooling}-{self.dtype}-f{STORE_FORMAT}"


def _shard_view(path: Path, name: str, copy: bool) -> np.ndarray:
    """Tensor ``name`` of a safetensors file as a read-only memmap (or a copy), ``[n, d]`` float32."""
    with open(path, "rb") as fh:
        (hlen,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(hlen))
    info = header.get(name)
    if info is None or info.get("dtype") != "F32":
        raise UserError(f"{path}: no float32 tensor '{name}'; the store is damaged, remove it and re-extract")
    start, end = info["data_offsets"]
    shape = tuple(int(s) for s in info["shape"])
    if end == start:
        return np.zeros(shape, dtype=np.float32)
    arr = np.memmap(path, dtype=np.float32, mode="r", offset=8 + hlen + start, shape=shape)
    return np.array(arr) if copy else arr


class Store:
    """A finished store: its manifest and a reader for its layers."""

    def __init__(self, path: Path, manifest: dict[str, Any]):
        self.path = Path(path)
        self.manifest = manifest

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open the store in folder ``path`` (raises :class:`UserError` if it is not one)."""
        try:
            manifest = json.loads((Path(path) / MANIFEST).read_text())
        except (OSError, ValueError) as err:
            raise UserError(f"{path}: not an activation store ({err})") from None
        if manifest.get("format") != STORE_FORMAT:
            raise UserError(
                f"{path}: store format {manifest.get('format')} is not {STORE_FORMAT}; re-extract"
            )
        return cls(Path(path), manifest)

    @property
    def name(self) -> str:
        """Folder name."""
        return self.path.name

    @property
    def layers(self) -> list[LayerKey]:
        """Stored layer keys: ints (0 = embeddings … L) and possibly ``"final_norm"``."""
        return list(self.manifest["layers"])

    @property
    def num_layers(self) -> int:
        """Number of decoder blocks ``L`` of the checkpoint."""
        return int(self.manifest["num_layers"])

    @property
    def dim(self) -> int:
        """Vector width ``d`` (hidden size)."""
        return int(self.manifest["hidden_size"])

    @property
    def sample_ids(self) -> list[str]:
        """Ids of the stored samples, in row order."""
        return list(self.manifest["sample_ids"])

    @property
    def families(self) -> list[str]:
        """Symbol family per row."""
        return list(self.manifest["families"])

    @property
    def tasks(self) -> list[str]:
        """Task per row."""
        return list(self.manifest["tasks"])

    @property
    def evol_of(self) -> list[str | None]:
        """Per row: the id of the original sample if this row is a Symbol-Evol variant, else None."""
        return list(self.manifest["evol_of"])

    def __len__(self) -> int:
        return len(self.manifest["sample_ids"])

    def __repr__(self) -> str:
        m = self.manifest
        return f"Store({m['checkpoint']['alias']}, {m['span']}/{m['pooling']}, n={len(self)}, {self.path})"

    def layer_key(self, layer: int | str) -> LayerKey:
        """Normalise ``layer`` (negative counts from the end: -1 = L) and check it is stored."""
        key = normalise_layer(layer, self.num_layers, where=f" (store {self.name})")
        if key not in self.layers:
            raise UserError(
                f"layer {layer} is not in store {self.name}; it holds {self.manifest['layers']} "
                "(extract it with --layers)"
            )
        return key

    def read(self, layer: int | str, mmap: bool = True) -> tuple[np.ndarray, list[str], list[str]]:
        """``(vectors [n, d] float32, sample_ids, families)`` for ``layer``.

        With one shard and ``mmap=True`` the vectors are a read-only memory map of the file (copy
        before modifying in place); several shards are concatenated; ``mmap=False`` always copies.
        """
        name = tensor_name(self.layer_key(layer))
        parts = [_shard_view(self.path / s["file"], name, copy=not mmap) for s in self.manifest["shards"]]
        vectors = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
        if vectors.shape != (len(self), self.dim):
            raise UserError(
                f"store {self.name}: layer {layer} has shape {vectors.shape}, manifest says ({len(self)}, {self.dim})"
            )
        return vectors, self.sample_ids, self.families

    def size_bytes(self) -> int:
        """Bytes on disk."""
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())


def _check_options(span: str, pooling: str, dtype: str) -> None:
    from analysis.spans import POOLINGS, SPANS

    if span not in SPANS:
        raise UserError(f"unknown span '{span}'; use one of {', '.join(SPANS)}")
    if pooling not in POOLINGS:
        raise UserError(f"unknown pooling '{pooling}'; use one of {', '.join(POOLINGS)}")
    if dtype not in DTYPES:
        raise UserError(f"unknown dtype '{dtype}'; use one of {', '.join(DTYPES)}")


def find_store(key: StoreKey, checkpoint_fp: str, dataset_fp: str) -> Store | None:
    """The finished store for ``key``, or None (also None if its manifest does not match)."""
    path = store_root() / key.name
    if not (path / MANIFEST).is_file():
        return None
    try:
        store = Store.open(path)
    except UserError as err:
        log.warning("ignoring %s", err)
        return None
    m = store.manifest
    if m["checkpoint"]["fingerprint"] != checkpoint_fp or m["dataset"]["fingerprint"] != dataset_fp:
        return None
    return store


def ensure_store(
    ckpt_alias: str,
    split: str = "analysis",
    span: str = "symbol",
    pooling: str = "mean",
    layers: str | int | list[int | str] = "all",
    dtype: str = "float32",
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
    progress: bool = True,
    *,
    dataset: Dataset | None = None,
    padding_side: str = "right",
    shard_samples: int | None = None,
) -> Store:
    """The store of ``ckpt_alias`` on ``split`` (or an in-memory ``dataset``), extracting if missing.

    ``layers``: ``"all"`` (0..L plus ``final_norm``), ``"0,10,20"``, ``-1``, or a list. A hit needs
    the store to hold every requested layer; otherwise the union is extracted and replaces it.
    Raises :class:`UserError` for an unknown alias, split, span, pooling, dtype or layer.
    """
    _check_options(span, pooling, dtype)
    ckpt = resolve(ckpt_alias)
    wanted = parse_layers(layers, num_layers_of(ckpt.path))
    if dataset is None:  # a hit must not read the split: use its cached fingerprint if unchanged
        known = cached_fingerprint(split)
        if known is not None:
            hit = find_store(StoreKey(ckpt.fingerprint, known, span, pooling, dtype), ckpt.fingerprint, known)
            if hit is not None and set(wanted) <= set(hit.layers):
                return hit
    data = dataset if dataset is not None else load_dataset(split)
    key = StoreKey(ckpt.fingerprint, data.fingerprint, span, pooling, dtype)
    existing = find_store(key, ckpt.fingerprint, data.fingerprint)
    if existing is not None:
        if set(wanted) <= set(existing.layers):
            return existing
        wanted = sort_layers([*wanted, *existing.layers])
        log.info("store %s lacks some requested layers; re-extracting %d layers", key.name, len(wanted))
    from analysis.builder import build_store

    return build_store(
        ckpt,
        data,
        key,
        wanted,
        batch_tokens=batch_tokens,
        progress=progress,
        padding_side=padding_side,
        shard_samples=shard_samples,
    )


def list_stores() -> list[Store]:
    """Every finished store under :func:`store_root`, sorted by creation time."""
    root = store_root()
    if not root.is_dir():
        return []
    stores = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or not (path / MANIFEST).is_file():
            continue
        try:
            stores.append(Store.open(path))
        except UserError as err:
            log.warning("skipping %s", err)
    return sorted(stores, key=lambda s: str(s.manifest.get("created", "")))


def list_partial() -> list[Path]:
    """Unfinished (resumable) extractions under :func:`store_root`."""
    root = store_root()
    return sorted(root.glob(".*.partial")) if root.is_dir() else []


def remove_store(target: str | Path | Store) -> Path:
    """Delete one store (a :class:`Store`, its folder name, a unique name prefix, or its path)."""
    if isinstance(target, Store):
        path = target.path
    else:
        path = Path(target)
        if not path.is_absolute() or not path.exists():
            matches = [s.path for s in list_stores() if s.name.startswith(str(target))]
            if len(matches) != 1:
                what = "no store" if not matches else f"{len(matches)} stores"
                raise UserError(
                    f"'{target}' matches {what}; give a full name from 'python -m analysis.extract ls'"
                )
            path = matches[0]
    if not (path / MANIFEST).is_file():
        raise UserError(f"{path} is not an activation store (no {MANIFEST}); not removing it")
    shutil.rmtree(path)
    return path
