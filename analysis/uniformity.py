"""``python -m analysis.uniformity --ckpt base,ours``: the suite's headline study.

For each checkpoint it reads the activation store (extracting first when the store lacks it),
computes alignment and uniformity (Wang & Isola 2020, see :mod:`analysis.metrics`) per symbol
family and overall, per layer, with bootstrap 95% intervals (resampling samples), prints a
table with the change from the first checkpoint to the others, writes
``results/uniformity/<run-id>.json`` and ``.csv``, and draws the alignment–uniformity plane and
the per-layer curves through :mod:`figures`.

The paper's exact pairing, layer and pooling are not public; the defaults here (pairs of two
different samples of the same family, mean pooling over the symbol span, every layer) are ours
and stated in every result file.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from analysis.align_uniform import PAIR_KINDS, uniformity_report
from analysis.results import parse_layers, write_result
from trainer.data.errors import UserError, get_logger, run_cli

log = get_logger("analysis.uniformity")

ROW_KEYS = (
    "ckpt", "fingerprint", "layer", "span", "pairs", "family", "n", "n_pairs",
    "alignment", "alignment_ci", "uniformity", "uniformity_ci", "t", "alpha",
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments (every one is recorded in the result file's ``config``)."""
    p = argparse.ArgumentParser(prog="python -m analysis.uniformity", description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpt", default="base,ours", help="comma-separated aliases; the first is the baseline")
    p.add_argument("--layers", default="last", help="last | all | comma list (ints, negatives, final_norm)")
    p.add_argument("--span", default="symbol", choices=("symbol", "instruction", "last"))
    p.add_argument("--pairs", default="family", choices=PAIR_KINDS)
    p.add_argument("--t", type=float, default=2.0, help="uniformity temperature t > 0")
    p.add_argument("--alpha", type=float, default=2.0, help="alignment exponent alpha > 0")
    p.add_argument("--families", default=None, help="comma-separated families (default: all in the store)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (0 = no intervals)")
    p.add_argument("--max-pairs", type=int, default=1000, help="cap on positive pairs per family")
    p.add_argument("--seed", type=int, default=0, help="seed for pair sampling and bootstrap")
    p.add_argument("--split", default="analysis", help="collection split to analyse")
    p.add_argument("--pooling", default="mean", choices=("mean", "last"))
    p.add_argument("--out", default="results", help="results folder")
    p.add_argument("--no-figures", action="store_true", help="skip drawing the two figures")
    return p


def _check_args(args: argparse.Namespace) -> list[str]:
    for name in ("t", "alpha"):
        value = getattr(args, name)
        if not (math.isfinite(value) and value > 0):
            raise UserError(f"--{name} must be a positive number, got {value}")
    if args.bootstrap < 0 or args.max_pairs < 1:
        raise UserError("--bootstrap must be >= 0 and --max-pairs >= 1")
    ckpts = [c.strip() for c in args.ckpt.split(",") if c.strip()]
    if not ckpts:
        raise UserError("--ckpt is empty; give one or more aliases, e.g. --ckpt base,ours")
    return ckpts


def _select(store: Any, layer: int | str, families: set[str] | None, pairs: str) -> dict[str, Any]:
    """One layer's rows for the analysis: vectors [n, d], ids, families, evol pair indices."""
    vectors, ids, fams = store.read(layer)
    evol_of = list(store.evol_of)
    keep = np.ones(len(ids), dtype=bool)
    if pairs != "evol":  # evolved variants are only for the evol pairing
        keep &= np.array([e is None for e in evol_of], dtype=bool)
    if families is not None:
        keep &= np.array([f in families for f in fams], dtype=bool)
    idx = np.flatnonzero(keep)
    sel_ids = [ids[i] for i in idx]
    out = {"vectors": vectors[idx], "ids": sel_ids, "families": [fams[i] for i in idx], "evol_pairs": None}
    if pairs == "evol":
        from analysis.pairs import evol_pairs_indices

        ev = [(evol_of[i], ids[i]) for i in idx if evol_of[i] is not None]
        if not ev:
            raise UserError(
                f"--pairs evol: split '{store.manifest['dataset']['split']}' has no evolved pairs"
            )
        out["evol_pairs"] = evol_pairs_indices(sel_ids, ev)
    return out


def analyse_checkpoint(
    alias: str, args: argparse.Namespace, families: set[str] | None
) -> list[dict[str, Any]]:
    """All result rows (every requested layer × family + ``all``) for one checkpoint."""
    from analysis.store import ensure_store

    span = "instruction" if args.pairs == "nl-symbol" else args.span
    store = ensure_store(alias, split=args.split, span=span, pooling=args.pooling, layers="all")
    other = None
    if args.pairs == "nl-symbol":
        other = ensure_store(alias, split=args.split, span="symbol", pooling=args.pooling, layers="all")
    layers = parse_layers(args.layers, store.layers)
    if families is not None:
        missing = families - set(store.families)
        if missing:
            raise UserError(
                f"--families: {', '.join(sorted(missing))} not in the store of '{alias}' "
                f"(has {', '.join(sorted(set(store.families)))})"
            )
    rows: list[dict[str, Any]] = []
    for layer in layers:
        sel = _select(store, layer, families, args.pairs)
        y = None
        if other is not None:
            from analysis.pairs import align_by_ids

            y_vec, y_ids, _ = other.read(layer)
            ia, ib = align_by_ids(sel["ids"], y_ids)
            sel = {**sel, "vectors": sel["vectors"][ia], "ids": [sel["ids"][i] for i in ia],
                   "families": [sel["families"][i] for i in ia]}  # fmt: skip
            y = y_vec[ib]
        report = uniformity_report(
            sel["vectors"], sel["families"], pairs=args.pairs, y=y, evol_pairs=sel["evol_pairs"],
            t=args.t, alpha=args.alpha, max_pairs=args.max_pairs, n_boot=args.bootstrap,
            seed=args.seed, ids=sel["ids"],
        )  # fmt: skip
        for r in report:
            rows.append({
                "ckpt": alias, "fingerprint": store.manifest["checkpoint"]["fingerprint"],
                "dataset_fingerprint": store.manifest["dataset"]["fingerprint"],
                "layer": layer, "span": args.span if args.pairs != "nl-symbol" else "instruction~symbol",
                **r,
            })  # fmt: skip
    return rows


def format_table(rows: list[dict[str, Any]], layer: int | str) -> str:
    """Checkpoint × family table at one layer, with Δ from the first checkpoint."""
    at = [r for r in rows if r["layer"] == layer and not r.get("skipped")]
    ckpts = list(dict.fromkeys(r["ckpt"] for r in at))
    base = {r["family"]: r for r in at if r["ckpt"] == ckpts[0]} if ckpts else {}

    def ci(r: dict[str, Any], key: str) -> str:
        lo_hi = r.get(f"{key}_ci")
        return f"[{lo_hi[0]:.3f},{lo_hi[1]:.3f}]" if lo_hi else ""

    head = f"{'ckpt':<10} {'family':<10} {'n':>4} {'pairs':>5}  {'alignment':>9} {'95% CI':<15} {'Δ':>7}  "
    head += f"{'uniformity':>10} {'95% CI':<17} {'Δ':>7}"
    lines = [f"layer {layer}", head, "-" * len(head)]
    for ck in ckpts:
        mine = sorted((r for r in at if r["ckpt"] == ck), key=lambda r: (r["family"] == "all", r["family"]))
        for r in mine:
            b = base.get(r["family"])
            da = (
                ""
                if ck == ckpts[0] or b is None or r["alignment"] is None
                else f"{r['alignment'] - b['alignment']:+.3f}"
            )
            du = "" if ck == ckpts[0] or b is None else f"{r['uniformity'] - b['uniformity']:+.3f}"
            al = "" if r["alignment"] is None else f"{r['alignment']:.3f}"
            lines.append(
                f"{ck:<10} {r['family']:<10} {r['n']:>4} {r['n_pairs']:>5}  {al:>9} {ci(r, 'alignment'):<15} "
                f"{da:>7}  {r['uniformity']:>10.3f} {ci(r, 'uniformity'):<17} {du:>7}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the study and write results + figures; print the table at the deepest layer."""
    args = build_parser().parse_args(argv)
    ckpts = _check_args(args)
    families = {f.strip() for f in args.families.split(",") if f.strip()} if args.families else None
    rows: list[dict[str, Any]] = []
    for alias in ckpts:
        rows.extend(analyse_checkpoint(alias, args, families))
    skipped = sorted({f"{r['ckpt']}:{r['family']}" for r in rows if r.get("skipped")})
    if skipped:
        log.warning("skipped (fewer than 2 samples): %s", ", ".join(skipped))
    config = {**vars(args), "ckpts": ckpts, "skipped": skipped, "defaults_note": __doc__.split("\n\n")[-1]}
    json_path, csv_path = write_result(Path(args.out), "uniformity", config, rows, ROW_KEYS)
    show = max((r["layer"] for r in rows if r["layer"] != "final_norm"), default=rows[0]["layer"])
    print(format_table(rows, show))
    print(f"\nresults: {json_path}\n         {csv_path}")
    if not args.no_figures:
        from figures import align_uniform, layers
        from figures.common import load_result, save_figure

        result = load_result(json_path)
        for name, draw in (("align_uniform", align_uniform.figure), ("layers", layers.figure)):
            for written in save_figure(draw(result), Path(args.out) / "figures", name):
                print(f"figure:  {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
