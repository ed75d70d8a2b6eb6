"""The activation store: per-sample, per-layer pooled vectors on disk, and the API to read them.

One folder per (checkpoint fingerprint, dataset fingerprint, span, pooling, dtype) under
``home()/store/``, holding safetensors shards (``layer.<i>`` tensors, ``[n_shard, d]`` fp32, rows
in dataset order) and ``manifest.json``. Consumers call::

    store = ensure_store("base", split="analysis", span="symbol")   # extracts on a miss
    vectors, sample_ids, families = store.read(-1)                  # [n, d] float32

A cache hit costs no model or tokenizer load (and no torch import): it resolves the checkpoint
(fingerprints are cached), loads the split, hashes it and opens the manifest. Layer keys are
ints ``0..L`` (0 = embeddings, L = last block before the final norm) and ``"final_norm"``;
see :mod:`analysis.layers`. Writing lives in :mod:`analysis.extract` and :mod:`analysis.extract.writer`.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analysis.layers import LayerKey, normalise_layer, tensor_name
from symbolscope.errors import UserError, get_logger
from symbolscope.paths import store_root

log = get_logger(__name__)

#: Bumped whenever the meaning of stored vectors changes (span rule, numbering, pooling):
#: part of every store's folder name, so an old store is never read as a new one.
STORE_FORMAT = 1
MANIFEST = "manifest.json"
#: What a store key may hold: the span pooled, how it is pooled, the stored dtype.
SPANS: tuple[str, ...] = ("symbol", "instruction", "last")
POOLINGS: tuple[str, ...] = ("mean", "last")
DTYPES: tuple[str, ...] = ("float32", "bfloat16")


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


def check_options(span: str, pooling: str, dtype: str) -> None:
    """Raise :class:`UserError` unless span, pooling and dtype are ones a store can hold."""
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


def open_store(target: str | Path) -> Store:
    """Open an existing store by its folder path, its folder name or a unique name prefix.

    Raises :class:`UserError` when nothing (or more than one store) matches; never extracts
    (use :func:`analysis.extract` for that).
    """
    path = Path(target).expanduser()
    if (path / MANIFEST).is_file():
        return Store.open(path)
    matches = [s for s in list_stores() if str(target) and s.name.startswith(str(target))]
    if len(matches) != 1:
        what = "no store" if not matches else f"{len(matches)} stores"
        raise UserError(f"'{target}' matches {what}; give a full name from 'python -m analysis.extract ls'")
    return matches[0]


StoresOrAliases = str | Sequence[str] | Sequence[Store] | Mapping[str, Store]


def named_stores(stores_or_aliases: StoresOrAliases) -> list[tuple[str, Store | None]]:
    """``[(alias, store or None)]`` from aliases (``"base,ours"`` or a list), Stores or ``{alias: Store}``."""
    if isinstance(stores_or_aliases, str):
        items: list[Any] = [a.strip() for a in stores_or_aliases.split(",") if a.strip()]
    elif isinstance(stores_or_aliases, Mapping):
        items = list(stores_or_aliases.items())
    else:
        items = list(stores_or_aliases)
    out: list[tuple[str, Store | None]] = []
    for item in items:
        if isinstance(item, tuple):
            out.append((str(item[0]), item[1]))
        elif isinstance(item, Store):
            out.append((str(item.manifest["checkpoint"]["alias"]), item))
        else:
            out.append((str(item), None))
    if not out:
        raise UserError("no checkpoints given; give one or more aliases, e.g. base,ours")
    return out
