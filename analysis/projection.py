"""The space in two dimensions: ``analysis.projection.run(stores, config=Config(...))`` (PCA, then UMAP) and its CLI.

``python -m analysis.projection --ckpt base,ours [--layers last] [--out results/]``

Per checkpoint and layer, on the store's original samples (Symbol-Evol variants dropped): PCA to
``pca_dims`` (50; fewer when there are fewer samples or dimensions), then umap-learn's UMAP
(metric cosine, ``n_neighbors`` 15, ``min_dist`` 0.1, a fixed ``random_state``), fitted

- ``separate``: on each checkpoint alone (its own layout; positions are not comparable), and
- ``aligned``: jointly with umap-learn's ``AlignedUMAP`` over the checkpoints in order, the
  relation between consecutive checkpoints being their shared sample ids, so the same sample
  sits in about the same place in every panel.

Embeddings are cached beside the store (``<store root>/projections/<store name>/``), one
safetensors file per (store, layer, fit) keyed by a hash of every parameter, the sample ids and,
for aligned fits, the other stores; each file's metadata repeats that key and is checked on
load (nothing is unpickled). Result rows (``results/projection/<run-id>.json`` + ``.csv``), one
per point: ``ckpt``, ``fingerprint``, ``layer``, ``sample_id``, ``family``, ``x``, ``y``,
``fit`` (``separate`` | ``aligned``). umap-learn compiles with numba on first use: the first call
in a fresh environment takes about a minute or more, later ones seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analysis.extract import ensure_store
from analysis.layers import LayerKey, layers_option, select_layers
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
from symbolscope.io import atomic_file
from symbolscope.results import Result

log = get_logger("analysis.projection")

ANALYSIS = "projection"  # results/<ANALYSIS>/<run-id>.json
FITS = ("separate", "aligned")
ROW_KEYS = ("ckpt", "fingerprint", "layer", "sample_id", "family", "x", "y", "fit")
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Config:
    """Every setting of the projection (all part of the cache key and the result's ``config``).

    ``fits``: any of :data:`FITS`; ``alignment_regularisation``: AlignedUMAP's pull between the
    positions of one sample in consecutive checkpoints; ``cache``: read/write embeddings beside
    the store; ``max_points``: project only this many samples (the same ids in every checkpoint,
    drawn with ``random_state``; None = all).
    """

    layers: str = layers_option("last")
    pca_dims: int = option(50, "PCA components before UMAP (fewer when the data has fewer)")
    n_neighbors: int = option(15, "UMAP neighbours")
    min_dist: float = option(0.1, "UMAP minimum distance")
    metric: str = option("cosine", "UMAP metric", cli=False)
    random_state: int = option(0, "seed of UMAP and of the --max-points subsample")
    fits: tuple[str, ...] = option(FITS, "comma list of fits", choices=FITS)
    alignment_regularisation: float = option(1e-2, "AlignedUMAP's pull between consecutive panels", cli=False)
    span: str = span_option()
    split: str = split_option("project")
    pooling: str = pooling_option()
    max_points: int | None = option(None, "project a seeded subsample of this size (none: all)")
    cache: bool = option(True, "fit again and do not write the cache")

    def check(self) -> None:
        """Raise :class:`UserError` for a setting outside its domain."""
        unknown = [f for f in self.fits if f not in FITS]
        if unknown or not self.fits:
            raise UserError(f"--fits: unknown fit {unknown or '(none)'}; choose from {', '.join(FITS)}")
        if self.pca_dims < 2 or self.n_neighbors < 2:
            raise UserError(f"pca_dims and n_neighbors must be >= 2, got {self.pca_dims}, {self.n_neighbors}")
        if self.max_points is not None and self.max_points < 2:
            raise UserError(f"max_points must be >= 2 (or None for all), got {self.max_points}")
        if not (math.isfinite(self.min_dist) and self.min_dist >= 0):
            raise UserError(f"min_dist must be a finite number >= 0, got {self.min_dist}")
        if self.span not in SPANS or self.pooling not in POOLINGS:
            raise UserError(f"span must be one of {SPANS} and pooling one of {POOLINGS}")

    def umap_params(self) -> dict[str, Any]:
        """The UMAP keyword arguments both fits share."""
        return {
            "n_neighbors": self.n_neighbors,
            "min_dist": self.min_dist,
            "metric": self.metric,
            "random_state": self.random_state,
            "n_components": 2,
        }


@dataclass
class Points:
    """One checkpoint's points at one layer: the store, ``ids [n]``, ``families [n]``, ``pca [n, p]``."""

    alias: str
    store: Store
    layer: LayerKey
    ids: list[str]
    families: list[str]
    vectors: np.ndarray  # [n, d]


def _subsample(store: Store, cfg: Config) -> set[str] | None:
    """The sample ids every checkpoint keeps under ``max_points`` (drawn from the first store), or None."""
    ids = [sid for sid, e in zip(store.sample_ids, store.evol_of, strict=True) if e is None]
    if cfg.max_points is None or len(ids) <= cfg.max_points:
        return None
    rng = np.random.default_rng(cfg.random_state)
    return {ids[i] for i in rng.choice(len(ids), size=cfg.max_points, replace=False)}


def _points(alias: str, store: Store, layer: LayerKey, cfg: Config, only: set[str] | None) -> Points:
    vectors, ids, fams = store.read(layer)
    keep = np.flatnonzero(
        [e is None and (only is None or sid in only) for sid, e in zip(ids, store.evol_of, strict=True)]
    )
    if len(keep) <= cfg.n_neighbors:
        raise UserError(
            f"checkpoint '{alias}': {len(keep)} samples, but UMAP needs more points than n_neighbors "
            f"({cfg.n_neighbors}); extract a larger split or lower n_neighbors"
        )
    x = np.asarray(vectors[keep], dtype=np.float32)
    if not np.isfinite(x).all():
        raise UserError(
            f"checkpoint '{alias}' layer {layer}: NaN/Inf vectors in store {store.name}; re-extract"
        )
    return Points(alias, store, layer, [ids[i] for i in keep], [fams[i] for i in keep], x)


def _pca(x: np.ndarray, cfg: Config) -> np.ndarray:
    """``[n, p]`` PCA scores, ``p = min(pca_dims, n − 1, d)`` (deterministic: full SVD)."""
    from sklearn.decomposition import PCA

    dims = min(cfg.pca_dims, x.shape[0] - 1, x.shape[1])
    return PCA(n_components=dims, svd_solver="full").fit_transform(x.astype(np.float64)).astype(np.float32)


def _key(p: Points, fit: str, cfg: Config, others: Sequence[str]) -> dict[str, Any]:
    """Everything the embedding of ``p`` depends on (the cache key)."""
    from importlib.metadata import version

    ids_hash = hashlib.sha256("\n".join(p.ids).encode()).hexdigest()
    return {
        "format": CACHE_FORMAT,
        "store": p.store.name,
        "layer": p.layer,
        "fit": fit,
        "ids": ids_hash,
        "stores": list(others),
        "umap_learn": version("umap-learn"),
        **asdict(cfg),
    } | {"fits": None, "cache": None, "layers": None}


def _cache_path(p: Points, key: dict[str, Any]) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:20]
    return p.store.path.parent / "projections" / p.store.name / f"{p.layer}-{key['fit']}-{digest}.safetensors"


def _cached(path: Path, key: dict[str, Any], n: int) -> np.ndarray | None:
    """The cached ``[n, 2]`` embedding if the file's key matches and its values are sane, else None."""
    from safetensors import SafetensorError, safe_open
    from safetensors.numpy import load_file

    if not path.is_file():
        return None
    try:
        with safe_open(str(path), framework="numpy") as fh:
            meta = fh.metadata() or {}
        emb = load_file(str(path)).get("embedding")
    except (OSError, SafetensorError, ValueError) as err:
        log.warning("ignoring unreadable projection cache %s (%s)", path, err)
        return None
    same = meta.get("key") == json.dumps(key, sort_keys=True, default=str)
    if not same or emb is None or emb.shape != (n, 2) or not np.isfinite(emb).all():
        log.warning("ignoring projection cache %s: it does not match this request", path)
        return None
    return emb


def _save(path: Path, key: dict[str, Any], emb: np.ndarray) -> None:
    from safetensors.numpy import save_file

    with atomic_file(path, suffix=".safetensors") as tmp:
        save_file(
            {"embedding": np.ascontiguousarray(emb, dtype=np.float32)},
            str(tmp),
            metadata={"key": json.dumps(key, sort_keys=True, default=str)},
        )


def _fit_separate(p: Points, cfg: Config) -> np.ndarray:
    import umap

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*n_jobs.*", category=UserWarning)
        return umap.UMAP(**cfg.umap_params(), n_jobs=1).fit_transform(_pca(p.vectors, cfg))


def _relations(points: Sequence[Points]) -> list[dict[int, int]]:
    """For each consecutive pair: ``{row in checkpoint k: row in checkpoint k+1}`` of the shared ids."""
    out = []
    for a, b in itertools.pairwise(points):
        pos = {sid: j for j, sid in enumerate(b.ids)}
        rel = {i: pos[sid] for i, sid in enumerate(a.ids) if sid in pos}
        if not rel:
            raise UserError(
                f"the stores of '{a.alias}' and '{b.alias}' share no sample id; extract both from the same split"
            )
        out.append(rel)
    return out


def _fit_aligned(points: Sequence[Points], cfg: Config) -> list[np.ndarray]:
    import umap

    data = [_pca(p.vectors, cfg) for p in points]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*n_jobs.*", category=UserWarning)
        mapper = umap.AlignedUMAP(**cfg.umap_params(), alignment_regularisation=cfg.alignment_regularisation)
        mapper.fit(data, relations=_relations(points))
    return [np.asarray(e, dtype=np.float32) for e in mapper.embeddings_]


def _embeddings(points: list[Points], fit: str, cfg: Config) -> tuple[list[np.ndarray], int]:
    """One ``[n, 2]`` embedding per checkpoint for ``fit`` (from the cache when it holds all); fits run."""
    others = [p.store.name for p in points] if fit == "aligned" else []
    keys = [_key(p, fit, cfg, others) for p in points]
    paths = [_cache_path(p, k) for p, k in zip(points, keys, strict=True)]
    if cfg.cache:
        hits = [_cached(path, k, len(p.ids)) for p, path, k in zip(points, paths, keys, strict=True)]
        if all(h is not None for h in hits):
            return [h for h in hits if h is not None], 0
    if fit == "separate":
        embs = [_fit_separate(p, cfg) for p in points]
    elif len(points) == 1:
        embs = [_fit_separate(points[0], cfg)]  # nothing to align with
    else:
        embs = _fit_aligned(points, cfg)
    if cfg.cache:
        for path, k, e in zip(paths, keys, embs, strict=True):
            _save(path, k, e)
    return embs, len(points)


def run(stores_or_aliases: StoresOrAliases, *, config: Config | None = None) -> Result:
    """2-D UMAP coordinates of every sample per checkpoint, layer and fit (``separate``, ``aligned``).

    ``stores_or_aliases``: ``"base,ours"``, a list, ``{alias: Store}`` or Stores (missing stores
    are extracted). Returns a :class:`~symbolscope.results.Result` with one row per point
    (:data:`ROW_KEYS`); ``config`` records every parameter, the stores and how many fits ran
    (``fitted``) or came from the cache (``cached``), with the wall time of the fits.
    """
    cfg = config or Config()
    cfg.check()
    named = named_stores(stores_or_aliases)
    stores = [
        (a, s or ensure_store(a, split=cfg.split, span=cfg.span, pooling=cfg.pooling, layers="all"))
        for a, s in named
    ]
    per_store: list[list[LayerKey]] = []
    for alias, store in stores:
        try:
            per_store.append(select_layers(cfg.layers, store.layers))
        except UserError as err:
            raise UserError(f"checkpoint '{alias}': {err}") from None
    if len({len(ls) for ls in per_store}) != 1:
        raise UserError(
            f"--layers {cfg.layers}: the checkpoints resolve to different numbers of layers; name them"
        )
    rows: list[dict[str, Any]] = []
    fitted = cached = 0
    only = _subsample(stores[0][1], cfg)
    start = time.perf_counter()
    for position in range(len(per_store[0])):
        points = [
            _points(a, s, ls[position], cfg, only) for (a, s), ls in zip(stores, per_store, strict=True)
        ]
        for fit in cfg.fits:
            embs, ran = _embeddings(points, fit, cfg)
            fitted, cached = fitted + ran, cached + len(points) - ran
            for p, emb in zip(points, embs, strict=True):
                fp = p.store.manifest["checkpoint"]["fingerprint"]
                rows += [
                    {
                        "ckpt": p.alias,
                        "fingerprint": fp,
                        "layer": p.layer,
                        "sample_id": sid,
                        "family": fam,
                        "x": float(e[0]),
                        "y": float(e[1]),
                        "fit": fit,
                    }
                    for sid, fam, e in zip(p.ids, p.families, emb, strict=True)
                ]
    from symbolcollection import registry  # the family order gives the figures' colours

    config_out = {
        **asdict(cfg),
        "fits": list(cfg.fits),
        "family_order": list(registry.names()),
        "ckpts": [a for a, _ in stores],
        "stores": {a: s.name for a, s in stores},
        "fitted": fitted,
        "cached": cached,
        "seconds": round(time.perf_counter() - start, 2),
    }
    return Result(ANALYSIS, config_out, rows, columns=ROW_KEYS)


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments: ``--ckpt``, the config's fields, ``--out``, ``--no-figures``."""
    p = study_parser(
        "python -m analysis.projection",
        __doc__,
        Config,
        ckpt_help="comma-separated aliases (one panel each)",
    )
    add_output_args(p)
    return p


def config_from(args: argparse.Namespace) -> Config:
    """The typed config from parsed arguments."""
    return options_from(Config, args)


def main(argv: Sequence[str] | None = None) -> int:
    """Project, save the result and draw the ``projection`` figure; print what ran and where it went."""
    args = build_parser().parse_args(argv)
    config = config_from(args)
    figs = None if args.no_figures else ("projection",)
    check_out(args.out, ANALYSIS, figs)  # before the work, not after it
    result = run(args.ckpt, config=config)
    c = result.config
    table = (
        f"{len(result.rows)} points; {c['fitted']} embeddings fitted, {c['cached']} from the cache "
        f"({c['seconds']:.1f} s)"
    )
    save_and_draw(result, args.out, figs, table=table)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
