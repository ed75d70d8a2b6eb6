"""The activation store: per-sample, per-layer pooled vectors on disk, and the API to read them.

One folder per (checkpoint fingerprint, dataset fingerprint, span, pooling, dtype, extraction code
hash) under ``home()/store/``, holding safetensors shards (``layer.<i>`` tensors, ``[n_shard, d]``
fp32, rows in dataset order) and ``manifest.json``. Consumers call::

    store = ensure_store("base", split="analysis", span="symbol")   # extracts on a miss
    vectors, sample_ids, families = store.read(-1)                  # a Vectors record, [n, d] float32

A cache hit costs no model or tokenizer load (and no torch import): it resolves the checkpoint
(fingerprints are cached), loads the split, hashes it and the extraction code, and opens the manifest. Layer keys are
ints ``0..L`` (0 = embeddings, L = last block before the final norm) and ``"final_norm"``;
see :mod:`analysis.layers`. Writing lives in :mod:`analysis.extract` and :mod:`analysis.extract.writer`;
checking and reading a shard file in :mod:`analysis.shards`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from analysis.layers import LayerKey, normalise_layer, tensor_name
from analysis.shards import damaged, shard_file, shard_view, verify_shard
from symbolscope.cli import option
from symbolscope.errors import UserError, get_logger
from symbolscope.paths import store_root
from symbolscope.reading import read_json

log = get_logger(__name__)

#: Bumped whenever the meaning of stored vectors or of the manifest changes (span rule,
#: numbering, pooling; 2: every shard's ``bytes`` and ``sha256`` are recorded and checked):
#: part of every store's folder name, so an old store is never read as a new one.
STORE_FORMAT = 2
MANIFEST = "manifest.json"
#: What a store key may hold: the span pooled, how it is pooled, the stored dtype.
SPANS: tuple[str, ...] = ("symbol", "instruction", "last")
POOLINGS: tuple[str, ...] = ("mean", "last")
DTYPES: tuple[str, ...] = ("float32", "bfloat16")


def span_option() -> Any:
    """The ``span`` field of a config (``--span``): which tokens' hidden states are pooled."""
    return option(
        "symbol", "tokens pooled: the symbolic output, the instruction, or the last token", choices=SPANS
    )


def pooling_option() -> Any:
    """The ``pooling`` field of a config (``--pooling``)."""
    return option("mean", "how the span's hidden states are pooled", choices=POOLINGS)


def split_option(what: str = "analyse") -> Any:
    """The ``split`` field of a config (``--split``): the collection split (or a .jsonl of samples)."""
    return option(
        "analysis", f"collection split to {what} (train, analysis, test, or a .jsonl file of samples)"
    )


class Vectors(NamedTuple):
    """One layer of a store (:meth:`Store.read`): ``vectors`` ``[n, d]`` float32, row ``i`` the
    sample ``ids[i]`` of family ``families[i]``; unpacks as ``vectors, ids, families``."""

    vectors: np.ndarray
    ids: list[str]
    families: list[str]


@dataclass(frozen=True)
class StoreKey:
    """What identifies a store's contents (layers are not part of it: a store may hold more)."""

    checkpoint: str  # checkpoint fingerprint
    dataset: str  # dataset fingerprint (hex)
    span: str
    pooling: str
    dtype: str
    code: str  # the extraction code hash (``<version>+<hex>``): other code, other store

    @property
    def name(self) -> str:
        """The store's folder name."""
        parts = (self.checkpoint[:16], self.dataset[:16], self.span, self.pooling, self.dtype)
        return "-".join(parts) + f"-f{STORE_FORMAT}-c{self.code.rpartition('+')[2][:8]}"


class Store:
    """A finished store: its manifest and a reader for its layers."""

    def __init__(self, path: Path, manifest: dict[str, Any]):
        self.path = Path(path)
        self.manifest = manifest
        self._verified: set[str] = set()

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open the store in folder ``path`` (raises :class:`UserError` if it is not one).

        Checks the manifest's shape and every shard's size (cheap); hashes are checked on the
        first :meth:`read` of each shard.
        """
        manifest = read_manifest(Path(path))
        if not is_suite_manifest(manifest):
            raise UserError(
                f"{path}: not an activation store of this suite (its {MANIFEST} lacks the store fields)"
            )
        if manifest.get("format") != STORE_FORMAT:
            raise UserError(
                f"{path}: store format {manifest.get('format')} is not {STORE_FORMAT}; remove it with "
                f"'python -m analysis.extract rm {Path(path).name}' and re-extract"
            )
        store = cls(Path(path), manifest)
        store.check_sizes()
        return store

    def check_sizes(self) -> None:
        """Raise the damaged-store error unless every shard exists with its recorded size."""
        for shard in self.manifest["shards"]:
            shard_file(self.path, shard.get("file"), shard.get("bytes"))

    def _follow_replacement(self) -> None:
        """Adopt the on-disk manifest if the store was re-published with the same rows (e.g. more
        layers added by another call); otherwise raise the damaged-store error."""
        try:
            fresh = read_manifest(self.path)
        except UserError:
            fresh = None
        if (
            not is_suite_manifest(fresh)
            or fresh == self.manifest
            or fresh["sample_ids"] != self.manifest["sample_ids"]
        ):
            self.check_sizes()  # raises the damaged-store error
            return
        self.manifest, self._verified = fresh, set()
        self.check_sizes()

    def _verify(self, shard: dict[str, Any]) -> None:
        """Check a shard's sha256 against the manifest, once per process and shard."""
        from symbolscope.io import sha256_file

        name = shard["file"]
        if name not in self._verified:
            if sha256_file(self.path / name) != shard.get("sha256"):
                raise damaged(
                    self.path, f"{name} does not match its recorded sha256 (changed after extraction)"
                )
            self._verified.add(name)

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

    def read(self, layer: int | str, mmap: bool = True) -> Vectors:
        """:class:`Vectors` ``(vectors [n, d] float32, ids, families)`` of ``layer``; it unpacks as
        the tuple ``vectors, ids, families = store.read(layer)``.

        With one shard and ``mmap=True`` the vectors are a read-only memory map of the file (copy
        before modifying in place); several shards are concatenated; ``mmap=False`` always copies.
        """
        name = tensor_name(self.layer_key(layer))
        try:
            self.check_sizes()
        except UserError:
            self._follow_replacement()
        for shard in self.manifest["shards"]:
            verify_shard(self.path, shard["file"], shard.get("bytes"), shard.get("sha256"), self._verified)
        parts = [shard_view(self.path / s["file"], name, copy=not mmap) for s in self.manifest["shards"]]
        vectors = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
        if vectors.shape != (len(self), self.dim):
            raise UserError(
                f"store {self.name}: layer {layer} has shape {vectors.shape}, manifest says ({len(self)}, {self.dim})"
            )
        return Vectors(vectors, self.sample_ids, self.families)

    def size_bytes(self) -> int:
        """Bytes on disk."""
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())


#: Manifest keys every store of this suite has (any format), with their JSON types.
_MANIFEST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "format": int, "checkpoint": dict, "dataset": dict, "layers": list, "sample_ids": list,
    "families": list, "tasks": list, "evol_of": list, "shards": list, "num_layers": int, "hidden_size": int,
}  # fmt: skip


def read_manifest(path: Path) -> dict[str, Any]:
    """The parsed ``manifest.json`` of folder ``path`` (a :class:`UserError` if unreadable or not an object)."""
    try:
        manifest = read_json(path / MANIFEST, "store manifest")
    except UserError as err:
        raise UserError(f"{path}: not an activation store ({err})") from None
    if not isinstance(manifest, dict):
        raise UserError(f"{path}: not an activation store ({MANIFEST} is not a JSON object)")
    return manifest


def is_suite_manifest(manifest: Any) -> bool:
    """Whether ``manifest`` has the fields and types of a store manifest written by this suite."""
    if not isinstance(manifest, dict):
        return False
    if any(not isinstance(manifest.get(k), t) for k, t in _MANIFEST_FIELDS.items()):
        return False
    ckpt, shards = manifest["checkpoint"], manifest["shards"]
    n = len(manifest["sample_ids"])
    return (
        isinstance(ckpt.get("fingerprint"), str)
        and isinstance(manifest["dataset"].get("fingerprint"), str)
        and all(isinstance(s, dict) and isinstance(s.get("file"), str) for s in shards)
        and len(manifest["families"]) == n == len(manifest["tasks"]) == len(manifest["evol_of"])
    )


def check_options(span: str, pooling: str, dtype: str) -> None:
    """Raise :class:`UserError` unless span, pooling and dtype are ones a store can hold."""
    if span not in SPANS:
        raise UserError(f"unknown span '{span}'; use one of {', '.join(SPANS)}")
    if pooling not in POOLINGS:
        raise UserError(f"unknown pooling '{pooling}'; use one of {', '.join(POOLINGS)}")
    if dtype not in DTYPES:
        raise UserError(f"unknown dtype '{dtype}'; use one of {', '.join(DTYPES)}")


def find_store(key: StoreKey, checkpoint_fp: str, dataset_fp: str) -> Store | None:
    """The finished store for ``key``, or None (also None if its manifest does not match, e.g. it
    was extracted by other code)."""
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
    if m.get("extraction_code") != key.code:
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
    if not str(target).strip():
        raise UserError(
            "an empty store name matches nothing; give a name from 'python -m analysis.extract ls'"
        )
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
