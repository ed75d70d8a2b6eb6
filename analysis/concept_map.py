"""Concepts across formalisms: does a family's symbol for a concept point where the other
families' symbols for the same concept point? ``python -m analysis.concept_map --ckpt base,ours``.

For each checkpoint, symbol layer, concept ``c`` and family ``f`` realising it (the concept table
of :mod:`symbolcollection.concepts`), with ``x`` the symbol vectors centred by the layer's mean
symbol vector (hidden states share a large common direction that would make every cosine high):

- ``cos_same``: cosine between ``f``'s centroid of ``c`` and the centroid of ``c`` over the
  *other* families' occurrences spelled differently from every symbol ``f`` uses for ``c``
  (``=`` in SQL and ``=`` in SMT-LIB are one token with one embedding: counting them would
  measure spelling, not meaning);
- ``cos_other``: the mean cosine between ``f``'s centroid of ``c`` and the other families'
  centroids of the *other* concepts they realise (the same comparison for a different meaning);
- ``gap = cos_same - cos_other``: above 0 when the representation ties ``f``'s symbol to the same
  concept in other notations more than to different concepts.

Only Symbol-Evol originals count. A (concept, family) cell needs ``min_occurrences`` occurrences
in ``f`` and in the other families together; others are left out and counted. The ``symbols``
figure draws the concept × family matrix of ``gap`` (base, ours, difference).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from analysis.extract import ensure_store
from analysis.layers import layers_option, select_layers
from analysis.store import Store, StoresOrAliases, named_stores, split_option
from analysis.study_cli import add_output_args, check_out, save_and_draw, study_parser
from analysis.symbolstore import SymbolStore
from symbolscope.cli import option, options_from
from symbolscope.errors import UserError, run_cli
from symbolscope.results import Result

ANALYSIS = "concept_map"
ROW_KEYS = (
    "ckpt",
    "fingerprint",
    "layer",
    "concept",
    "family",
    "n",
    "n_others",
    "cos_same",
    "cos_other",
    "gap",
)


@dataclass(frozen=True)
class Config:
    """Every setting of the concept map (recorded in the result's ``config``)."""

    layers: str = layers_option("all")
    split: str = split_option()
    min_occurrences: int = option(3, "occurrences a family (and the others) need for a cell")

    def check(self) -> None:
        """Raise :class:`UserError` for a setting outside its domain."""
        if self.min_occurrences < 1:
            raise UserError(f"--min-occurrences must be >= 1, got {self.min_occurrences}")


def _unit(v: np.ndarray) -> np.ndarray:
    """Rows of ``v`` ``[k, d]`` scaled to unit length (zero rows stay zero)."""
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(norm > 0, norm, 1.0)


def concept_cells(
    x: np.ndarray,
    concepts: Sequence[str | None],
    families: Sequence[str],
    symbols: Sequence[str],
    min_occurrences: int = 3,
) -> list[dict[str, Any]]:
    """The cells of one layer: ``x`` ``[n, d]`` symbol vectors; ``concepts[i]``, ``families[i]``
    and ``symbols[i]`` (normalised text) of row ``i``. Returns one dict per (concept, family)
    with ``n``, ``n_others``, ``cos_same``, ``cos_other`` and ``gap`` (module docstring)."""
    con = np.array([c or "" for c in concepts], dtype=object)
    fam = np.array(families, dtype=object)
    sym = np.array(symbols, dtype=object)
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean(axis=0, keepdims=True)
    has = con != ""
    sums: dict[tuple[str, str], tuple[np.ndarray, int]] = {}
    for c, f in sorted({(c, f) for c, f in zip(con[has], fam[has], strict=True)}):
        rows = (con == c) & (fam == f)
        sums[c, f] = (x[rows].sum(axis=0), int(rows.sum()))
    cells = []
    for (c, f), (total, n) in sums.items():
        spelled = set(sym[(con == c) & (fam == f)])
        others = (con == c) & (fam != f) & ~np.isin(sym, list(spelled))
        n_others = int(others.sum())
        if n < min_occurrences or n_others < min_occurrences:
            continue
        mine = _unit(total / n)
        same = float(mine @ _unit(x[others].mean(axis=0)))
        different = [float(mine @ _unit(s / k)) for (c2, f2), (s, k) in sums.items() if c2 != c and f2 != f]
        cos_other = float(np.mean(different)) if different else float("nan")
        cells.append(
            {
                "concept": c,
                "family": f,
                "n": n,
                "n_others": n_others,
                "cos_same": same,
                "cos_other": cos_other,
                "gap": same - cos_other,
            }
        )
    return cells


def type_centroids(sym: SymbolStore, layer: int | str) -> tuple[list[tuple[str, str]], np.ndarray]:
    """``(types, [k, d])``: the unit-length centroid of every symbol type ``(family, symbol)`` at
    ``layer`` (Symbol-Evol originals; vectors centred by the layer's mean first)."""
    keep = np.flatnonzero([e is None for e in sym.table.evol_of])
    x = sym.read(layer)[keep].astype(np.float64)
    x -= x.mean(axis=0, keepdims=True)
    keys = [(sym.table.family[i], sym.table.symbol[i]) for i in keep]
    types = sorted(set(keys))
    index = {t: k for k, t in enumerate(types)}
    sums = np.zeros((len(types), x.shape[1]))
    np.add.at(sums, [index[k] for k in keys], x)
    return types, _unit(sums)


def symbol_neighbours(
    sym: SymbolStore, layer: int | str, family: str, symbol: str, k: int = 10, other_families: bool = True
) -> list[tuple[str, str, float]]:
    """The ``k`` symbol types nearest to ``(family, symbol)`` at ``layer`` by the cosine of their
    centroids (:func:`type_centroids`), as ``(family, symbol, cosine)``; with ``other_families``
    only other formalisms' symbols. A :class:`UserError` if the symbol does not occur."""
    types, centroids = type_centroids(sym, layer)
    if (family, symbol) not in types:
        raise UserError(f"symbol {symbol!r} of family '{family}' does not occur in the symbol store")
    cos = centroids @ centroids[types.index((family, symbol))]
    order = [i for i in np.argsort(-cos) if types[i] != (family, symbol)]
    order = [i for i in order if not other_families or types[i][0] != family]
    return [(types[i][0], types[i][1], float(cos[i])) for i in order[:k]]


def _symbols(alias: str, given: Store | None, cfg: Config) -> tuple[Store, SymbolStore]:
    store = given or ensure_store(alias, split=cfg.split, span="symbol", layers=-1, symbols=True)
    return store, SymbolStore.of(store)


def run(stores_or_aliases: StoresOrAliases, *, config: Config | None = None) -> Result:
    """Concept × family cells per checkpoint and symbol layer (see the module docstring)."""
    cfg = config or Config()
    cfg.check()
    rows: list[dict[str, Any]] = []
    for alias, given in named_stores(stores_or_aliases):
        store, sym = _symbols(alias, given, cfg)
        keep = np.array([e is None for e in sym.table.evol_of], dtype=bool)
        table = sym.table.take(np.flatnonzero(keep))
        if not any(table.concept):
            raise UserError(f"'{alias}': no symbol of the store realises a concept; nothing to map")
        for layer in select_layers(cfg.layers, sym.layers):
            x = sym.read(layer)[keep]
            for cell in concept_cells(x, table.concept, table.family, table.symbol, cfg.min_occurrences):
                fp = store.manifest["checkpoint"]["fingerprint"]
                rows.append({"ckpt": alias, "fingerprint": fp, "layer": layer, **cell})
    settings = {**asdict(cfg), "ckpts": [a for a, _ in named_stores(stores_or_aliases)]}
    return Result(ANALYSIS, settings, rows, columns=ROW_KEYS)


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments: ``--ckpt``, the config's fields, ``--out``, ``--no-figures``."""
    p = study_parser("python -m analysis.concept_map", __doc__, Config)
    add_output_args(p, figure="the symbols figure")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the map, save it, print the mean gap per checkpoint and layer."""
    args = build_parser().parse_args(argv)
    config = options_from(Config, args)
    config.check()
    figs = None if args.no_figures else ("symbols",)
    check_out(args.out, ANALYSIS, figs)
    result = run(args.ckpt, config=config)
    means: dict[tuple[str, Any], list[float]] = {}
    for r in result.rows:
        means.setdefault((r["ckpt"], r["layer"]), []).append(r["gap"])
    table = "\n".join(f"{c:<10} layer {k!s:<10} mean gap {np.nanmean(v):+.3f}" for (c, k), v in means.items())
    save_and_draw(result, args.out, figs, table=table)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
