"""``python -m analysis.ability_vs_geometry [--results results] [--layer L] [--bootstrap 2000] [--out results]``.

Per family, the change in executed ability from base to ours against the change in its
representation geometry, and Spearman's rho between the two over families with a bootstrap
interval. Reads the newest ``<results>/evaluate`` (per-family ``symbolic`` rows; ability =
``exec_match`` where the family executes, else ``exact_match``) and ``<results>/uniformity``
(per-family ``alignment`` and ``uniformity`` at ``--layer``, default the deepest integer layer,
i.e. the last block) and writes ``<out>/ability_vs_geometry/<run-id>.json|csv``:

- one ``kind = "family"`` row per family present in both: ``d_ability`` (ours − base, in points),
  ``d_alignment`` and ``d_uniformity`` (ours − base, lower = better geometry);
- one ``kind = "rho"`` row per geometry (``alignment``, ``uniformity``): Spearman's ``rho``
  (Pearson on average ranks; null when a coordinate is constant or n < 2) and ``rho_ci``, the
  95% percentile bootstrap interval over families (``--bootstrap`` resamples, seed ``--seed``;
  resamples with a constant coordinate are skipped), with ``n`` families.

Every row names ``base``, ``ours`` and ``layer``. The checkpoints are ``base`` and ``ours`` when
present, else the first and last of the eval result; both results must hold the same checkpoints
(same fingerprints). ``figures.ability_vs_geometry`` draws these rows and computes nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from analysis.layers import LayerKey, sort_layers
from figures.rows import FIELDS, check_rows
from symbolscope.cli import add_options, option, options_from
from symbolscope.errors import UserError, run_cli
from symbolscope.paths import RESULTS
from symbolscope.results import Result

ANALYSIS = "ability_vs_geometry"
#: The analyses this study reads.
READS = ("evaluate", "uniformity")
GEOMETRY = ("alignment", "uniformity")


@dataclass(frozen=True)
class Config:
    """``layer``: the uniformity layer compared (None: the deepest integer layer); ``n_boot``
    bootstrap resamples of the families and their ``seed``."""

    layer: int | str | None = option(None, "uniformity layer (none: the deepest integer layer)", cli=False)
    n_boot: int = option(2000, "bootstrap resamples of the families", flag="--bootstrap")
    seed: int = option(0, "bootstrap seed")


def _ranks(v: np.ndarray) -> np.ndarray:
    order = np.argsort(v, kind="mergesort")
    ranks = np.empty(len(v))
    ranks[order] = np.arange(1, len(v) + 1)
    for value in np.unique(v):  # ties share their average rank
        tied = v == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho of ``[n]`` and ``[n]`` (nan when either is constant or n < 2)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(_ranks(x), _ranks(y))[0, 1])


def spearman_ci(x: np.ndarray, y: np.ndarray, n_boot: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of :func:`spearman`, resampling the ``n`` pairs ``[n]``."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) == 0:
        return (float("nan"), float("nan"))
    idx = np.random.default_rng(seed).integers(0, len(x), size=(n_boot, len(x)))
    stats = np.array([spearman(x[i], y[i]) for i in idx])
    stats = stats[np.isfinite(stats)]
    if len(stats) == 0:
        return (float("nan"), float("nan"))
    lo, hi = np.percentile(stats, [2.5, 97.5])
    return (float(lo), float(hi))


def _ability(row: Mapping[str, Any]) -> float | None:
    value = row.get("exec_match")
    return value if value is not None else row.get("exact_match")


def _pair(rows: list[dict[str, Any]]) -> tuple[str, str]:
    ckpts = list(dict.fromkeys(r["ckpt"] for r in rows))  # in the order they first appear
    if "base" in ckpts and "ours" in ckpts:
        return "base", "ours"
    if len(ckpts) < 2:
        raise UserError(f"ability_vs_geometry needs two checkpoints in the eval result, found {ckpts}")
    return ckpts[0], ckpts[-1]


def _check_same_weights(ev: list[dict], geo: list[dict], names: tuple[str, str]) -> None:
    for ck in names:
        a = {r.get("fingerprint") for r in ev if r["ckpt"] == ck} - {None}
        b = {r.get("fingerprint") for r in geo if r["ckpt"] == ck} - {None}
        if a and b and a != b:
            raise UserError(
                f"ability_vs_geometry: checkpoint '{ck}' has fingerprint {sorted(a)[0]} in the eval "
                f"result but {sorted(b)[0]} in the uniformity result; rerun one of them"
            )


def _deepest(rows: list[dict[str, Any]]) -> LayerKey:
    layers = sort_layers(list({r["layer"] for r in rows}))
    ints = [x for x in layers if x != "final_norm"]
    return ints[-1] if ints else layers[-1]


def deltas(
    eval_rows: list[dict[str, Any]], geo_rows: list[dict[str, Any]], layer: LayerKey | None = None
) -> tuple[list[dict[str, Any]], tuple[str, str], LayerKey]:
    """Per family ``{family, d_ability, d_alignment, d_uniformity}`` (ours − base), the pair of
    checkpoints and the layer used."""
    sym = [r for r in eval_rows if r.get("suite") == "symbolic" and r.get("family") not in (None, "all")]
    base, ours = _pair(sym or eval_rows)
    geo = [r for r in geo_rows if r.get("alignment") is not None and r.get("uniformity") is not None]
    _check_same_weights(eval_rows, geo, (base, ours))
    geo_pair = [r for r in geo if r["ckpt"] in (base, ours)]
    if not geo_pair:
        raise UserError(f"ability_vs_geometry: the uniformity result has no rows for '{base}' or '{ours}'")
    chosen = layer if layer is not None else _deepest(geo_pair)
    g = {(r["ckpt"], r["family"]): r for r in geo_pair if r["layer"] == chosen and r["family"] != "all"}
    a = {(r["ckpt"], r["family"]): _ability(r) for r in sym}
    out = []
    for fam in sorted({f for _, f in a}):
        keys = [(base, fam), (ours, fam)]
        if all(k in g for k in keys) and all(a.get(k) is not None for k in keys):
            out.append(
                {
                    "family": fam,
                    "d_ability": 100 * (a[(ours, fam)] - a[(base, fam)]),
                    "d_alignment": g[(ours, fam)]["alignment"] - g[(base, fam)]["alignment"],
                    "d_uniformity": g[(ours, fam)]["uniformity"] - g[(base, fam)]["uniformity"],
                }
            )
    return out, (base, ours), chosen


def _finite(v: float) -> float | None:
    return v if np.isfinite(v) else None


def run(evaluation: Result, geometry: Result, config: Config | None = None) -> Result:
    """The rows described in the module docstring, from an ``evaluate`` and a ``uniformity`` result."""
    config = config or Config()
    if config.n_boot < 1:
        raise UserError(f"--bootstrap must be at least 1 resample, got {config.n_boot}")
    for analysis, res in zip(READS, (evaluation, geometry), strict=True):  # one line for a bad row
        check_rows(res.rows, FIELDS[analysis], str(res.path or analysis))
    pts, (base, ours), chosen = deltas(evaluation.rows, geometry.rows, config.layer)
    same = {"base": base, "ours": ours, "layer": chosen}
    rows: list[dict[str, Any]] = [{"kind": "family", **same, **p} for p in pts]
    y = np.array([p["d_ability"] for p in pts])
    for name in GEOMETRY:
        x = np.array([p[f"d_{name}"] for p in pts])
        lo, hi = spearman_ci(x, y, config.n_boot, config.seed)
        ci = [lo, hi] if np.isfinite(lo) and np.isfinite(hi) else None
        rho = _finite(spearman(x, y))
        rows.append({"kind": "rho", **same, "geometry": name, "rho": rho, "rho_ci": ci, "n": len(pts)})
    sources = {
        r.analysis or a: {"path": str(r.path or ""), "run_id": r.run_id}
        for a, r in zip(READS, (evaluation, geometry), strict=True)
    }
    order = geometry.config.get("family_order") or evaluation.config.get("family_order")  # the colours
    return Result(
        ANALYSIS, {**asdict(config), "layer": chosen, "sources": sources, "family_order": order}, rows
    )


def _layer(text: str) -> LayerKey:
    if text == "final_norm":
        return text
    try:
        return int(text)
    except ValueError:
        raise UserError(f"--layer must be a layer number or final_norm, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """The CLI: flags and defaults of :class:`Config`, plus where results are read and written."""
    p = argparse.ArgumentParser(prog=f"python -m analysis.{ANALYSIS}", description=__doc__.split("\n\n")[1])
    p.add_argument("--results", default=RESULTS, help=f"results folder read (default: {RESULTS})")
    p.add_argument("--layer", default=None, help="uniformity layer (default: the deepest integer layer)")
    add_options(p, Config)
    p.add_argument("--out", default=RESULTS, help=f"results folder written (default: {RESULTS})")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Compute the rows from the newest evaluate and uniformity results and print where they went."""
    args = build_parser().parse_args(argv)
    layer = None if args.layer is None else _layer(args.layer)
    config = options_from(Config, args, layer=layer)
    loaded = [Result.latest(args.results, a, require=("ckpt",)) for a in READS]
    result = run(*loaded, config)
    json_path, _ = result.save(args.out)
    fams = sum(r["kind"] == "family" for r in result.rows)
    print(f"ability_vs_geometry: {fams} families, layer {result.config['layer']} -> {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
