"""What fine-tuning changed, layer by layer: ``analysis.similarity.run(stores, config=Config(...))`` and its CLI.

``python -m analysis.similarity --ckpt base,ours [--layers all] [--measures cka,mutual_knn,procrustes]
[--cross-layer] [--k 10] [--out results/]``

The first checkpoint is the baseline. For every other checkpoint, on the samples both stores
hold (aligned by sample id; Symbol-Evol variants dropped, as in the uniformity study), per layer:
debiased linear CKA, mutual k-NN alignment and the orthogonal Procrustes distance
(:mod:`analysis.metrics.similarity`). With ``--cross-layer`` CKA is computed for every
(baseline layer, other layer) pair: the layer × layer matrix, and which layer of the other
checkpoint best matches each baseline layer. Per checkpoint, the family × family cosines of the
family centroids (vectors centred by the overall mean first) at ``--centroid-layers``.

Result rows (``results/similarity/<run-id>.json`` + ``.csv``), one value each: ``ckpt_a``,
``ckpt_b``, ``fingerprint_a``, ``fingerprint_b``, ``layer_a``, ``layer_b``, ``span``, ``measure``
(``cka`` | ``mutual_knn`` | ``procrustes`` | ``centroid_cosine``), ``value``, ``n`` (samples),
``k`` (mutual k-NN only); centroid rows (``ckpt_a == ckpt_b``, ``layer_a == layer_b``) add
``family_a``, ``family_b`` and their sample counts ``n_a``, ``n_b``; the matched-layer rows have
``matched = True`` (cross-layer CKA rows of other layer pairs have ``matched = False``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from analysis.extract import ensure_store
from analysis.layers import LayerKey, layers_option, select_layers
from analysis.metrics.pairs import align_by_ids
from analysis.metrics.similarity import (
    DEFAULT_BLOCK_SIZE,
    centroid_cosines,
    cka_from_hsic,
    cross_moments,
    mutual_knn,
)
from analysis.store import (
    POOLINGS,
    SPANS,
    Store,
    StoresOrAliases,
    named_stores,
    pooling_option,
    span_option,
    split_option,
)
from analysis.study_cli import add_output_args, check_out, save_and_draw, study_parser
from symbolscope.cli import option, options_from
from symbolscope.errors import UserError, get_logger, run_cli
from symbolscope.results import Result

log = get_logger("analysis.similarity")

ANALYSIS = "similarity"  # results/<ANALYSIS>/<run-id>.json
MEASURES = ("cka", "mutual_knn", "procrustes")
CENTROID = "centroid_cosine"
ROW_KEYS = (
    "ckpt_a",
    "ckpt_b",
    "fingerprint_a",
    "fingerprint_b",
    "layer_a",
    "layer_b",
    "span",
    "measure",
    "value",
    "n",
    "family_a",
    "family_b",
)


@dataclass(frozen=True)
class Config:
    """Every setting of the study (all recorded in the result's ``config``).

    ``layers``: ``last | all | "0,10,-1,final_norm"`` (negative indices count from each model's
    end); ``measures``: any of :data:`MEASURES`; ``cross_layer``: CKA for every layer pair;
    ``k``: neighbours for mutual k-NN; ``centroid_layers``: where the centroid cosines are taken
    (``none`` for none); ``block_size``: rows per block of the feature-space sums.
    """

    layers: str = layers_option("all")
    measures: tuple[str, ...] = option(MEASURES, "comma list of measures", choices=MEASURES)
    cross_layer: bool = option(False, "CKA for every layer pair (layer × layer)")
    k: int = option(10, "neighbours for mutual k-NN")
    centroid_layers: str = option("last", "layers of the centroid cosines (or none)")
    span: str = span_option()
    split: str = split_option()
    pooling: str = pooling_option()
    block_size: int = option(DEFAULT_BLOCK_SIZE, "rows per block of the feature-space sums", cli=False)

    def check(self) -> None:
        """Raise :class:`UserError` for a setting outside its domain."""
        unknown = [m for m in self.measures if m not in MEASURES]
        if unknown or not self.measures:
            raise UserError(
                f"--measures: unknown measure {', '.join(map(repr, unknown)) or '(none given)'}; "
                f"choose from {', '.join(MEASURES)}"
            )
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 1:
            raise UserError(f"--k must be an integer >= 1, got {self.k!r}")
        if self.block_size < 1:
            raise UserError(f"block_size must be >= 1, got {self.block_size}")
        if self.span not in SPANS or self.pooling not in POOLINGS:
            raise UserError(f"span must be one of {SPANS} and pooling one of {POOLINGS}")


@dataclass
class Side:
    """One checkpoint's store, the rows the study uses (no Symbol-Evol variants) and its layers."""

    alias: str
    store: Store
    rows: np.ndarray  # [m] store row indices
    layers: list[LayerKey]

    @property
    def fingerprint(self) -> str:
        return str(self.store.manifest["checkpoint"]["fingerprint"])

    @property
    def ids(self) -> list[str]:
        ids = self.store.sample_ids
        return [ids[i] for i in self.rows]

    def read(self, layer: LayerKey, idx: np.ndarray | None = None) -> np.ndarray:
        """``[m, d]`` vectors of ``layer`` for the study's rows (``idx`` picks among them)."""
        vectors = self.store.read(layer).vectors
        return vectors[self.rows if idx is None else self.rows[idx]]


def _side(alias: str, given: Store | None, cfg: Config) -> Side:
    store = given or ensure_store(alias, split=cfg.split, span=cfg.span, pooling=cfg.pooling, layers="all")
    try:
        layers = select_layers(cfg.layers, store.layers)
    except UserError as err:
        raise UserError(f"checkpoint '{alias}': {err}") from None
    rows = np.flatnonzero([e is None for e in store.evol_of])
    if len(rows) == 0:
        raise UserError(
            f"checkpoint '{alias}': store {store.name} holds no original (non-Symbol-Evol) sample"
        )
    return Side(alias, store, rows, layers)


def _matched(a: Side, b: Side, cfg: Config) -> list[tuple[LayerKey, LayerKey]]:
    """The (layer of a, layer of b) pairs compared one to one (position by position)."""
    if len(a.layers) == len(b.layers):
        return list(zip(a.layers, b.layers, strict=True))
    msg = (
        f"--layers {cfg.layers}: '{a.alias}' resolves to {len(a.layers)} layers and '{b.alias}' to "
        f"{len(b.layers)}; a per-layer comparison needs as many of each (name them, e.g. --layers -1,-2)"
    )
    if not cfg.cross_layer:
        raise UserError(msg)
    log.warning("%s; only the layer × layer CKA is computed", msg)
    return []


def _row(
    a: Side, b: Side, la: LayerKey, lb: LayerKey, measure: str, value: float, n: int, span: str, **extra: Any
) -> dict[str, Any]:
    return {
        "ckpt_a": a.alias,
        "ckpt_b": b.alias,
        "fingerprint_a": a.fingerprint,
        "fingerprint_b": b.fingerprint,
        "layer_a": la,
        "layer_b": lb,
        "span": span,
        "measure": measure,
        "value": float(value),
        "n": n,
        "family_a": None,
        "family_b": None,
        **extra,
    }


def _pair_rows(a: Side, b: Side, cfg: Config) -> list[dict[str, Any]]:
    """Every row comparing checkpoint ``b`` with the baseline ``a`` on their shared samples."""
    ia, ib = align_by_ids(
        a.ids, b.ids, (f"the stores of '{a.alias}' and '{b.alias}'", "extract both from the same split")
    )
    n = len(ia)
    if n < 4:
        raise UserError(
            f"--split {cfg.split}: '{a.alias}' and '{b.alias}' share {n} original sample(s); "
            "CKA, mutual k-NN and Procrustes need at least 4 (use a larger split)"
        )
    matched = _matched(a, b, cfg)
    pairs = [(la, lb) for la in a.layers for lb in b.layers] if cfg.cross_layer else matched
    selves: dict[tuple[str, LayerKey], float] = {}

    def self_hsic(side: Side, idx: np.ndarray, layer: LayerKey) -> float:
        if (side.alias, layer) not in selves:
            x = side.read(layer, idx)
            selves[side.alias, layer] = cross_moments(x, x, cfg.block_size).hsic()
        return selves[side.alias, layer]

    rows: list[dict[str, Any]] = []
    need_moments = "cka" in cfg.measures or "procrustes" in cfg.measures
    for la, lb in tqdm(pairs, desc=f"similarity {a.alias}~{b.alias}", unit="pair", leave=False):
        is_matched = (la, lb) in matched
        xa, xb = a.read(la, ia), b.read(lb, ib)
        moments = cross_moments(xa, xb, cfg.block_size) if need_moments or cfg.cross_layer else None
        if moments is not None and ("cka" in cfg.measures or cfg.cross_layer):
            cka = cka_from_hsic(moments.hsic(), self_hsic(a, ia, la), self_hsic(b, ib, lb))
            rows.append(_row(a, b, la, lb, "cka", cka, n, cfg.span, matched=is_matched))
        if not is_matched:
            continue
        if "mutual_knn" in cfg.measures:
            value = mutual_knn(xa, xb, k=cfg.k)
            rows.append(_row(a, b, la, lb, "mutual_knn", value, n, cfg.span, matched=True, k=cfg.k))
        if "procrustes" in cfg.measures and moments is not None:
            rows.append(_row(a, b, la, lb, "procrustes", moments.procrustes(), n, cfg.span, matched=True))
    return rows


def _centroid_rows(side: Side, cfg: Config) -> list[dict[str, Any]]:
    """Family × family centroid cosines of one checkpoint at ``cfg.centroid_layers``."""
    if cfg.centroid_layers == "none":
        return []
    try:
        layers = select_layers(cfg.centroid_layers, side.store.layers)
    except UserError as err:
        raise UserError(f"checkpoint '{side.alias}' (--centroid-layers): {err}") from None
    fams = [side.store.families[i] for i in side.rows]
    rows = []
    for layer in layers:
        names, cos, counts = centroid_cosines(side.read(layer), fams)
        for i, fa in enumerate(names):
            for j, fb in enumerate(names):
                n = counts[i] + (counts[j] if i != j else 0)
                rows.append(
                    {
                        **_row(side, side, layer, layer, CENTROID, cos[i, j], n, cfg.span),
                        "family_a": fa,
                        "family_b": fb,
                        "n_a": counts[i],
                        "n_b": counts[j],
                    }
                )
    return rows


def run(stores_or_aliases: StoresOrAliases, *, config: Config | None = None) -> Result:
    """CKA, mutual k-NN and Procrustes of every checkpoint against the first, and centroid cosines.

    ``stores_or_aliases``: ``"base,ours"``, ``["base", "ours"]``, ``{alias: Store}`` (from
    :func:`analysis.extract`) or Stores; missing stores are extracted. Returns a
    :class:`~symbolscope.results.Result` with the rows described in this module's docstring;
    ``result.save("results/")`` writes ``results/similarity/<run-id>.json`` + ``.csv``.
    """
    cfg = config or Config()
    cfg.check()
    sides = [_side(alias, store, cfg) for alias, store in named_stores(stores_or_aliases)]
    rows: list[dict[str, Any]] = []
    for other in sides[1:]:
        rows.extend(_pair_rows(sides[0], other, cfg))
    for side in sides:
        rows.extend(_centroid_rows(side, cfg))
    from symbolcollection import registry  # the family order gives the figures' colours

    config_out = {
        **asdict(cfg),
        "measures": list(cfg.measures),
        "family_order": list(registry.names()),
        "ckpts": [s.alias for s in sides],
        "stores": {s.alias: s.store.name for s in sides},
        "dataset_fingerprints": {s.alias: s.store.manifest["dataset"]["fingerprint"] for s in sides},
        "note": "CKA is debiased linear CKA (unbiased HSIC, Song et al. 2012) computed in feature space; "
        "centroid cosines use vectors centred by the overall mean; Symbol-Evol variants are dropped.",
    }
    return Result(ANALYSIS, config_out, rows, columns=ROW_KEYS)


def format_table(rows: list[dict[str, Any]]) -> str:
    """Per matched layer: CKA, mutual k-NN, Procrustes per compared checkpoint; best cross-layer match."""
    lines: list[str] = []
    pairs = list(dict.fromkeys((r["ckpt_a"], r["ckpt_b"]) for r in rows if r["measure"] != CENTROID))
    for ck_a, ck_b in pairs:
        mine = [r for r in rows if (r["ckpt_a"], r["ckpt_b"]) == (ck_a, ck_b)]
        cells: dict[tuple[Any, Any], dict[str, float]] = {}
        for r in mine:
            if r.get("matched"):
                cells.setdefault((r["layer_a"], r["layer_b"]), {})[r["measure"]] = r["value"]
        best: dict[Any, dict[str, Any]] = {}
        for r in mine:
            if r["measure"] == "cka" and (
                r["layer_a"] not in best or r["value"] > best[r["layer_a"]]["value"]
            ):
                best[r["layer_a"]] = r
        cross = any(not r.get("matched") for r in mine)
        head = f"{'layer ' + ck_a:>14} {'layer ' + ck_b:>14} {'CKA':>7} {'mutual kNN':>10} {'Procrustes':>10}"
        head += f"  {'best ' + ck_b + ' layer (CKA)':>24}" if cross else ""
        lines += [f"{ck_a} vs {ck_b} (n = {mine[0]['n']})", head, "-" * len(head)]
        matched_b = {la: lb for la, lb in cells}
        for la in dict.fromkeys([*(la for la, _ in cells), *best]):
            vals = cells.get((la, matched_b.get(la)), {})
            fmt = [f"{vals[m]:.3f}" if m in vals else "" for m in MEASURES]
            line = f"{la!s:>14} {matched_b.get(la, '')!s:>14} {fmt[0]:>7} {fmt[1]:>10} {fmt[2]:>10}"
            if cross and la in best:
                line += f"  {best[la]['layer_b']!s:>15} ({best[la]['value']:.3f})"
            lines.append(line)
        # by CKA alone: layer keys mix ints and 'final_norm', so ties must not compare them
        ranked = sorted(((v["cka"], la) for (la, _), v in cells.items() if "cka" in v), key=lambda t: t[0])
        if ranked:
            lines.append(
                "changed most (lowest CKA): " + ", ".join(f"layer {la} ({c:.3f})" for c, la in ranked[:3])
            )
        lines.append("")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments: ``--ckpt``, the config's fields, ``--out``, ``--no-figures``."""
    p = study_parser("python -m analysis.similarity", __doc__, Config)
    add_output_args(p)
    return p


def config_from(args: argparse.Namespace) -> Config:
    """The study's typed config from parsed arguments."""
    return options_from(Config, args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the study; write results and the figure; print the per-layer table."""
    args = build_parser().parse_args(argv)
    config = config_from(args)
    config.check()
    figs = None if args.no_figures else ("similarity",)
    check_out(args.out, ANALYSIS, figs)  # before the work, not after it
    result = run(args.ckpt, config=config)
    save_and_draw(result, args.out, figs, table=format_table(result.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
