"""``python -m analysis.extract``: extract stores, ``ls`` them and ``rm`` them.

    python -m analysis.extract [run] --ckpt base,ours --split analysis[,analysis-valid] --layers all
           [--span symbol|instruction|last] [--pooling mean|last] [--dtype float32|bfloat16]
           [--symbols [--symbol-layers every:3] [--symbol-dtype float16]] [--batch-tokens N]
    python -m analysis.extract ls [--json]
    python -m analysis.extract rm NAME... | --ckpt ALIAS | --all | --partial

A thin adapter: argparse → :func:`analysis.extract.run` / ``list_stores`` / ``remove_store``.
Several splits (a comma list) are extracted with one model load per checkpoint.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from analysis.extract.api import extract_splits, remove_store
from analysis.extract.config import ExtractConfig
from analysis.store import Store, list_partial, list_stores
from lm.checkpoints import resolve
from symbolcollection.splits import DERIVED_SPLITS
from symbolscope.cli import add_options, options_from
from symbolscope.errors import UserError
from symbolscope.paths import store_root


def _add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="extract stores (the default command)")
    p.add_argument("--ckpt", required=True, help="comma-separated checkpoint aliases, e.g. base,ours")
    add_options(p, ExtractConfig)


def cmd_run(args: argparse.Namespace) -> int:
    """Extract (or find) the store of every checkpoint and print one line each."""
    config = options_from(ExtractConfig, args)
    if config.shard_samples is not None and config.shard_samples < 1:
        raise UserError(f"--shard-samples must be >= 1, got {config.shard_samples}")
    aliases = [a.strip() for a in args.ckpt.split(",") if a.strip()]
    if not aliases:
        raise UserError("--ckpt needs at least one checkpoint alias (e.g. base,ours)")
    splits = [s.strip() for s in config.split.split(",") if s.strip()]
    each = [replace(config, split=s, symbols=config.symbols and s not in DERIVED_SPLITS) for s in splits]
    for alias in aliases:  # no symbols for the corrupted twins: broken on purpose
        for store, seconds in extract_splits(alias, each):
            print(
                f"{alias}: {store.name}  n={len(store)} layers={len(store.layers)} d={store.dim} "
                f"skipped={store.manifest['dataset']['n_skipped']}{_symbols_note(store)}  ({seconds:.2f} s)"
            )
    return 0


def _symbols_note(store: Store) -> str:
    sym = store.manifest.get("symbols")
    if not sym:
        return ""
    return f" symbols={sym['rows']} ({len(sym['layers'])} layers, {sym['dtype']}, {sym['skipped']} outputs unlexed)"


def cmd_ls(args: argparse.Namespace) -> int:
    """List finished stores (and unfinished extractions)."""
    stores = list_stores()
    for s in stores:
        m = s.manifest
        if args.json:
            row = {k: m[k] for k in ("span", "pooling", "dtype", "layers", "created", "code_version")}
            print(
                json.dumps(
                    {
                        "name": s.name,
                        "path": str(s.path),
                        "checkpoint": m["checkpoint"],
                        "split": m["dataset"]["split"],
                        "n": len(s),
                        **row,
                    }
                )
            )
        else:
            print(
                f"{s.name}  {m['checkpoint']['alias']:<9} {m['dataset']['split']:<9} {m['span']}/{m['pooling']} "
                f"n={len(s)} layers={len(s.layers)} d={s.dim} {s.size_bytes() / 1e6:.1f} MB  {m['created']}"
            )
    for path in list_partial():
        print(f"{path.name}  (unfinished extraction; rerun it to resume, or 'rm --partial')")
    if not stores and not args.json:
        print(f"no stores in {store_root()}")
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    """Remove stores by name, by checkpoint, all of them, or unfinished extractions."""
    if not (args.names or args.ckpt or args.all or args.partial):
        raise UserError("rm: give store names, --ckpt ALIAS, --all or --partial")
    targets: list[Any] = list(args.names)
    if args.ckpt:
        fp = resolve(args.ckpt).fingerprint
        targets += [s for s in list_stores() if s.manifest["checkpoint"]["fingerprint"] == fp]
    if args.all:
        targets += list_stores()
    for target in targets:
        print(f"removed {remove_store(target)}")
    if args.partial:
        for path in list_partial():
            shutil.rmtree(path)
            print(f"removed {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """``run`` (default), ``ls`` and ``rm`` as subcommands."""
    parser = argparse.ArgumentParser(prog="python -m analysis.extract", description="activation stores")
    sub = parser.add_subparsers(dest="cmd", required=True)
    _add_run(sub)
    ls = sub.add_parser("ls", help="list activation stores")
    ls.add_argument("--json", action="store_true", help="one JSON object per store")
    rm = sub.add_parser("rm", help="remove activation stores")
    rm.add_argument("names", nargs="*", help="store names (or unique prefixes) from 'ls'")
    rm.add_argument("--ckpt", help="remove every store of this checkpoint alias (by fingerprint)")
    rm.add_argument("--all", action="store_true", help="remove every store")
    rm.add_argument("--partial", action="store_true", help="remove unfinished extractions")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m analysis.extract [run | ls | rm] ...``; ``run`` when no subcommand is named."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("run", "ls", "rm", "-h", "--help"):
        args = ["run", *args]
    ns = build_parser().parse_args(args)
    return {"run": cmd_run, "ls": cmd_ls, "rm": cmd_rm}[ns.cmd](ns)
