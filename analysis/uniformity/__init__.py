"""The alignment/uniformity study: ``analysis.uniformity.run(stores, config=analysis.uniformity.Config())``.

For each checkpoint it reads the activation store (extracting first when it is missing),
selects the rows the pairing uses (Symbol-Evol variants only for ``evol`` pairs), and computes
alignment and uniformity (Wang & Isola 2020, :mod:`analysis.metrics`) per symbol family and
overall, per layer, with bootstrap intervals over samples (:mod:`analysis.uniformity.report`).
It returns a :class:`symbolscope.results.Result` (``results/uniformity/``); ``python -m
analysis.uniformity`` is its CLI (:mod:`analysis.uniformity.cli`); the figures are
``uniformity`` and ``uniformity_layers``.

The paper's exact pairing, layer and pooling are not public; the defaults here (pairs of two
different samples of the same family, mean pooling over the symbol span) are ours and stated in
every result file.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from analysis.extract import ensure_store
from analysis.layers import LayerKey, select_layers
from analysis.metrics.pairs import align_by_ids, evol_pairs_indices
from analysis.store import Store, StoresOrAliases, named_stores
from analysis.uniformity.config import PAIR_KINDS, Config, check_resamples
from analysis.uniformity.report import ALL, uniformity_report
from analysis.uniformity.symbols import SYMBOL_DECISIONS, SYMBOL_KEYS, symbol_rows
from symbolscope.errors import UserError, get_logger
from symbolscope.results import Result

__all__ = [
    "ALL",
    "ANALYSIS",
    "PAIR_KINDS",
    "ROW_KEYS",
    "SYMBOL_ANALYSIS",
    "SYMBOL_KEYS",
    "Config",
    "check_resamples",
    "run",
    "uniformity_report",
]

log = get_logger("analysis.uniformity")

ANALYSIS = "uniformity"  # results/<ANALYSIS>/<run-id>.json
#: ``--unit symbol`` results have their own folder, so the sample figures never read symbol rows.
SYMBOL_ANALYSIS = "uniformity_symbols"
#: The result's first CSV columns (every row has them).
ROW_KEYS = (
    "ckpt",
    "fingerprint",
    "layer",
    "span",
    "pairs",
    "family",
    "n",
    "n_pairs",
    "alignment",
    "alignment_ci",
    "uniformity",
    "uniformity_ci",
    "t",
    "alpha",
)
DEFAULTS_NOTE = (
    "The paper's exact pairing, layer and pooling are not public; the defaults here (pairs of two "
    "different samples of the same family, mean pooling over the symbol span, every layer) are ours "
    "and stated in every result file."
)


def _select(store: Store, layer: LayerKey, families: set[str] | None, pairs: str) -> dict[str, Any]:
    """One layer's rows for the study: vectors [n, d], ids, families, evol pair indices [P, 2].

    Symbol-Evol variants are kept only for the ``evol`` pairing (elsewhere they would count a
    renamed twin as a second sample).
    """
    vectors, ids, fams = store.read(layer)
    evol_of = list(store.evol_of)
    keep = np.ones(len(ids), dtype=bool)
    if pairs != "evol":
        keep &= np.array([e is None for e in evol_of], dtype=bool)
    if families is not None:
        keep &= np.array([f in families for f in fams], dtype=bool)
    idx = np.flatnonzero(keep)
    sel_ids = [ids[i] for i in idx]
    out = {"vectors": vectors[idx], "ids": sel_ids, "families": [fams[i] for i in idx], "evol_pairs": None}
    if pairs == "evol":
        ev = [(evol_of[i], ids[i]) for i in idx if evol_of[i] is not None]
        if not ev:
            raise UserError(
                f"--pairs evol: split '{store.manifest['dataset']['split']}' has no evolved pairs"
            )
        out["evol_pairs"] = evol_pairs_indices(sel_ids, ev)
    return out


def _stores(alias: str, given: Store | None, cfg: Config) -> tuple[Store, Store | None]:
    """The store the study reads and, for ``nl-symbol``, the symbol-span store beside it."""
    span = "instruction" if cfg.pairs == "nl-symbol" else cfg.span
    store = given or ensure_store(alias, split=cfg.split, span=span, pooling=cfg.pooling, layers="all")
    other = None
    if cfg.pairs == "nl-symbol":
        other = ensure_store(alias, split=cfg.split, span="symbol", pooling=cfg.pooling, layers="all")
    return store, other


def _check_families(alias: str, store: Store, families: set[str] | None) -> None:
    missing = (families or set()) - set(store.families)
    if missing:
        raise UserError(
            f"--families: {', '.join(sorted(missing))} not in the store of '{alias}' "
            f"(has {', '.join(sorted(set(store.families)))})"
        )


def _checkpoint_rows(alias: str, given: Store | None, cfg: Config) -> list[dict[str, Any]]:
    """All result rows (every requested layer × family + ``all``) for one checkpoint."""
    store, other = _stores(alias, given, cfg)
    families = set(cfg.families) if cfg.families else None
    _check_families(alias, store, families)
    span = "instruction~symbol" if cfg.pairs == "nl-symbol" else cfg.span
    rows: list[dict[str, Any]] = []
    for layer in select_layers(cfg.layers, store.layers):
        sel = _select(store, layer, families, cfg.pairs)
        y = None
        if other is not None:
            y_vec, y_ids, _ = other.read(layer)
            ia, ib = align_by_ids(sel["ids"], y_ids)
            sel = {
                **sel,
                "vectors": sel["vectors"][ia],
                "ids": [sel["ids"][i] for i in ia],
                "families": [sel["families"][i] for i in ia],
            }
            y = y_vec[ib]
        report = uniformity_report(
            sel["vectors"],
            sel["families"],
            pairs=cfg.pairs,
            y=y,
            evol_pairs=sel["evol_pairs"],
            t=cfg.t,
            alpha=cfg.alpha,
            max_pairs=cfg.max_pairs,
            n_boot=cfg.bootstrap,
            seed=cfg.seed,
            level=cfg.level,
            ids=sel["ids"],
        )
        for r in report:
            rows.append(
                {
                    "ckpt": alias,
                    "fingerprint": store.manifest["checkpoint"]["fingerprint"],
                    "dataset_fingerprint": store.manifest["dataset"]["fingerprint"],
                    "layer": layer,
                    "span": span,
                    **r,
                }
            )
    return rows


def run(stores_or_aliases: StoresOrAliases, *, config: Config | None = None) -> Result:
    """Alignment and uniformity per checkpoint × layer × family (and ``all``), with bootstrap CIs.

    ``stores_or_aliases``: ``["base", "ours"]``, ``"base,ours"``, ``{alias: Store}`` (from
    :func:`analysis.extract.run`) or Stores; the first is the baseline of every comparison. Missing
    stores are extracted. Returns a :class:`~symbolscope.results.Result` whose rows have
    :data:`ROW_KEYS` (+ ``n_boot_valid_*``, ``skipped``, settings); ``result.save("results/")``
    writes ``results/uniformity/<run-id>.json`` + ``.csv`` (``config.unit == "symbol"``: rows with
    :data:`SYMBOL_KEYS` too, in ``results/uniformity_symbols/``, :mod:`analysis.uniformity.symbols`).
    """
    cfg = config or Config()
    cfg.check()
    named = named_stores(stores_or_aliases)
    symbols = cfg.unit == "symbol"
    rows: list[dict[str, Any]] = []
    for alias, store in named:
        rows.extend(symbol_rows(alias, store, cfg) if symbols else _checkpoint_rows(alias, store, cfg))
    skipped = sorted({f"{r['ckpt']}:{r.get('concept') or r['family']}" for r in rows if r.get("skipped")})
    if skipped:
        log.warning(
            "skipped (%s): %s", "see the rows" if symbols else "fewer than 2 samples", ", ".join(skipped)
        )
    settings = {
        **asdict(cfg),
        "families": list(cfg.families) if cfg.families else None,
        "concepts": list(cfg.concepts) if cfg.concepts else None,
    }
    from symbolcollection import registry  # the family order gives the figures' colours

    config_out = {
        **settings,
        "family_order": list(registry.names()),
        "ckpts": [a for a, _ in named],
        "skipped": skipped,
        "defaults_note": DEFAULTS_NOTE,
    }
    if symbols:
        config_out["symbol_decisions"] = SYMBOL_DECISIONS
        return Result(SYMBOL_ANALYSIS, config_out, rows, columns=ROW_KEYS + SYMBOL_KEYS)
    return Result(ANALYSIS, config_out, rows, columns=ROW_KEYS)
