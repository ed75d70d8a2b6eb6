"""The symbol store: one vector per symbol occurrence per layer, beside a sample store.

A store extracted with symbols (``python -m analysis.extract run --symbols``) holds, next to its
per-sample shards, ``symbols-<k>.safetensors`` shards (``layer.<i>`` tensors ``[n_k, d]`` in the
symbol dtype, float16 by default) and ``symbols.json``: the symbol store's own manifest (layers,
dtype, shards with bytes and sha256, the samples whose output did not lex, and the row table).
Both are written by the same forward pass and published with the sample store in one rename.

Row ``r`` is one occurrence of a symbol in one sample's symbolic output: the sample it belongs to,
its family, normalised symbol text, class, concept (``None`` when the symbol realises none),
character span in the output, its ordinal among the sample's symbols, the number of tokens pooled
and whether it shares its only token with the symbol before it (see :data:`SYMBOL_TOKEN_RULE`).
Consumers call::

    table = store.symbols.table          # SymbolTable, one entry per row
    x = store.symbols.read(20)           # [n_symbols, d] float32
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from analysis.layers import LayerKey, normalise_layer, tensor_name
from analysis.shards import damaged, shard_view, verify_shard
from analysis.store import Store
from symbolscope.errors import UserError
from symbolscope.reading import read_json

#: What a vector of a study stands for: a sample's pooled output, or one symbol occurrence.
UNITS: tuple[str, ...] = ("sample", "symbol")
SYMBOLS_MANIFEST = "symbols.json"
SYMBOLS_FORMAT = 1
SYMBOL_DTYPES: tuple[str, ...] = ("float16", "float32")
SYMBOL_TOKEN_RULE = (
    "a token belongs to the symbol in which its first non-whitespace character lies (a leading "
    "space is the token's, not a symbol's); a symbol with no token of its own takes the token in "
    "which its first character lies (shared with the symbol before it, 'shared' = true)"
)
#: How to add symbols to a store (named in the error of a store without them).
ADD_SYMBOLS = "python -m analysis.extract run --ckpt {alias} --split {split} --symbols"


def symbol_shard_name(index: int) -> str:
    """File name of symbol shard ``index``."""
    return f"symbols-{index:05d}.safetensors"


@dataclass(frozen=True)
class SymbolTable:
    """The rows of a symbol store, one entry per symbol occurrence (all columns of equal length).

    ``sample_id``/``family``/``task``: the sample the occurrence is in; ``evol_of``: that sample's
    original if it is a Symbol-Evol variant; ``symbol``: normalised text; ``cls``: keyword,
    operator, identifier, literal or punctuation; ``concept``: shared concept or None;
    ``start``/``end``: character span in the output; ``position``: ordinal among the sample's
    symbols; ``n_tokens``: tokens pooled; ``shared``: pooled a token of the symbol before it;
    ``token_ids``: the ids of the tokens pooled (the surface a probe's baseline sees).
    """

    sample_id: tuple[str, ...]
    family: tuple[str, ...]
    task: tuple[str, ...]
    evol_of: tuple[str | None, ...]
    symbol: tuple[str, ...]
    cls: tuple[str, ...]
    concept: tuple[str | None, ...]
    start: tuple[int, ...]
    end: tuple[int, ...]
    position: tuple[int, ...]
    n_tokens: tuple[int, ...]
    shared: tuple[bool, ...]
    token_ids: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        n = {len(getattr(self, f.name)) for f in fields(self)}
        if len(n) > 1:
            raise ValueError(f"symbol table columns differ in length: {sorted(n)}")

    def __len__(self) -> int:
        return len(self.sample_id)

    @classmethod
    def from_columns(cls, columns: Mapping[str, Sequence[Any]]) -> SymbolTable:
        """A table from ``{column: values}`` (every field of the class; a :class:`ValueError` if one
        is missing or the lengths differ)."""
        missing = [f.name for f in fields(cls) if f.name not in columns]
        if missing:
            raise ValueError(f"symbol table lacks columns {missing}")
        table = {f.name: tuple(columns[f.name]) for f in fields(cls)}
        table["token_ids"] = tuple(tuple(int(t) for t in ids) for ids in table["token_ids"])
        return cls(**table)

    def columns(self) -> dict[str, list[Any]]:
        """``{column: list}`` (JSON-able; the manifest's ``rows``)."""
        return {f.name: list(getattr(self, f.name)) for f in fields(self)}

    def take(self, index: Sequence[int] | np.ndarray) -> SymbolTable:
        """The rows at ``index`` (in that order)."""
        idx = [int(i) for i in index]
        return SymbolTable(**{f.name: tuple(getattr(self, f.name)[i] for i in idx) for f in fields(self)})


#: The table's columns in order (the fields of :class:`SymbolTable`).
TABLE_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(SymbolTable))


class SymbolStore:
    """The symbols of one store: the row table and a reader for the symbol layers."""

    def __init__(
        self,
        path: Path | None,
        manifest: dict[str, Any],
        table: SymbolTable,
        num_layers: int,
        arrays: dict[LayerKey, np.ndarray] | None = None,
    ):
        self.path = path
        self.manifest = manifest
        self.table = table
        self.num_layers = num_layers  # decoder blocks L (negative layer names count from it)
        self._arrays = arrays
        self._verified: set[str] = set()

    @classmethod
    def of(cls, store: Store) -> SymbolStore:
        """The symbols of ``store``; a :class:`UserError` naming the command that adds them if the
        store was extracted without symbols, or the damaged-store error if they are broken."""
        path = store.path / SYMBOLS_MANIFEST
        if not path.is_file():
            alias = store.manifest["checkpoint"].get("alias", "<ckpt>")
            split = store.manifest["dataset"].get("split", "analysis")
            raise UserError(
                f"store {store.name} was extracted without symbols; add them with "
                f"'{ADD_SYMBOLS.format(alias=alias, split=split)}'"
            )
        manifest = read_json(path, "symbol store manifest")
        try:
            if manifest.get("format") != SYMBOLS_FORMAT:
                raise ValueError(f"format {manifest.get('format')} is not {SYMBOLS_FORMAT}")
            table = SymbolTable.from_columns(manifest["rows"])
            if sum(s["rows"][1] - s["rows"][0] for s in manifest["shards"]) != len(table):
                raise ValueError("its shards' rows do not add up to its table")
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            raise damaged(store.path, f"{SYMBOLS_MANIFEST}: {err}") from None
        return cls(store.path, manifest, table, store.num_layers)

    @classmethod
    def from_arrays(
        cls, vectors: Mapping[LayerKey, np.ndarray], table: SymbolTable, num_layers: int | None = None
    ) -> SymbolStore:
        """An in-memory symbol store (tests, notebooks): ``vectors[layer]`` is ``[len(table), d]``."""
        arrays = {k: np.asarray(v, dtype=np.float32) for k, v in vectors.items()}
        for key, arr in arrays.items():
            if arr.ndim != 2 or arr.shape[0] != len(table):
                raise ValueError(f"layer {key}: shape {arr.shape}, table has {len(table)} rows")
        layers = list(arrays)
        ints = [k for k in layers if isinstance(k, int)]
        manifest = {"format": SYMBOLS_FORMAT, "layers": layers, "dtype": "float32", "shards": []}
        return cls(
            None, manifest, table, num_layers if num_layers is not None else max(ints, default=0), arrays
        )

    @property
    def layers(self) -> list[LayerKey]:
        """Layer keys the symbols were captured at."""
        return list(self.manifest["layers"])

    @property
    def skipped(self) -> list[dict[str, str]]:
        """Samples whose output did not lex: ``[{"id", "reason"}]`` (their symbols are absent)."""
        return list(self.manifest.get("skipped", []))

    def __len__(self) -> int:
        return len(self.table)

    def layer_key(self, layer: int | str) -> LayerKey:
        """Normalise ``layer`` (negative counts from the end) and check symbols were captured there."""
        key = normalise_layer(layer, self.num_layers, where=" (symbol store)")
        if key not in self.layers:
            raise UserError(
                f"layer {layer} has no symbol vectors; the symbol store holds {self.layers} "
                "(extract with --symbol-layers)"
            )
        return key

    def read(self, layer: int | str) -> np.ndarray:
        """Symbol vectors ``[len(table), d]`` float32 of ``layer``, rows in table order."""
        key = self.layer_key(layer)
        if self._arrays is not None:
            return self._arrays[key]
        assert self.path is not None
        parts = []
        for shard in self.manifest["shards"]:
            verify_shard(
                self.path, shard.get("file"), shard.get("bytes"), shard.get("sha256"), self._verified
            )
            parts.append(shard_view(self.path / shard["file"], tensor_name(key), True, ("F16", "F32")))
        out = np.concatenate(parts, axis=0) if parts else np.zeros((0, 0), np.float32)
        if out.shape[0] != len(self.table):
            raise damaged(
                self.path, f"layer {key} has {out.shape[0]} symbol rows, the table {len(self.table)}"
            )
        return out

    def size_bytes(self) -> int:
        """Bytes of the symbol shards on disk (0 in memory)."""
        return sum(int(s.get("bytes", 0)) for s in self.manifest["shards"])
