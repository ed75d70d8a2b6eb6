"""``python -m analysis.extract ls`` and ``rm``: list and remove activation stores."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Sequence
from typing import Any

from analysis.store import list_partial, list_stores, remove_store, store_root
from trainer.data.errors import UserError


def cmd_ls(argv: Sequence[str]) -> int:
    """List finished stores (and unfinished extractions)."""
    p = argparse.ArgumentParser(prog="python -m analysis.extract ls", description="list activation stores")
    p.add_argument("--json", action="store_true", help="one JSON object per store")
    args = p.parse_args(argv)
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


def cmd_rm(argv: Sequence[str]) -> int:
    """Remove stores by name, by checkpoint, all of them, or unfinished extractions."""
    from analysis.checkpoints import resolve

    p = argparse.ArgumentParser(prog="python -m analysis.extract rm", description="remove activation stores")
    p.add_argument("names", nargs="*", help="store names (or unique prefixes) from 'ls'")
    p.add_argument("--ckpt", help="remove every store of this checkpoint alias (by fingerprint)")
    p.add_argument("--all", action="store_true", help="remove every store")
    p.add_argument("--partial", action="store_true", help="remove unfinished extractions")
    args = p.parse_args(argv)
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
