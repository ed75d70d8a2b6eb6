"""``python -m lm.checkpoints list | show ALIAS | prepare``: what each alias resolves to.

The same commands run as ``python -m analysis.checkpoints ...`` (the package's former home).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from lm.checkpoints import embedded
from lm.checkpoints.registry import BUILTIN, describe, resolve
from symbolscope.errors import UserError, get_logger
from symbolscope.paths import models_dir, settings
from symbolscope.sources import available, get, missing_line

log = get_logger(__name__)


def _list_rows() -> list[tuple[str, str]]:
    mapped = settings().get("aliases", {})
    rows = []
    for alias in BUILTIN + tuple(a for a in mapped if a not in BUILTIN):
        try:
            ck = resolve(alias)
            rows.append((alias, f"{ck.kind:<8} {ck.fingerprint}  {ck.path}"))
        except UserError as err:
            rows.append((alias, f"(unavailable) {err}"))
    return rows


def main(argv: Sequence[str] | None = None, prog: str = "python -m lm.checkpoints") -> int:
    """``python -m lm.checkpoints list | show ALIAS | prepare``; ``prog`` is the name help shows."""
    parser = argparse.ArgumentParser(prog=prog, description="checkpoint aliases: list, show, prepare")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="every alias and what it resolves to")
    show = sub.add_parser("show", help="architecture, parameters, layers, fingerprint, location")
    show.add_argument("alias")
    show.add_argument("--json", action="store_true", help="print JSON")
    prep = sub.add_parser(
        "prepare", help="build the embedded base and tiny models into the cache (idempotent)"
    )
    prep.add_argument(
        "--if-available",
        action="store_true",
        help="when the model's data source is missing, say so in one line and exit 0 (make install)",
    )
    args = parser.parse_args(argv)
    if args.cmd == "prepare":
        if args.if_available and not available(embedded.SMOLLM_SOURCE):
            log.warning(
                "base and tiny not built: %s", missing_line(get(embedded.SMOLLM_SOURCE), "is missing")
            )
            return 0
        base, tiny = embedded.ensure_embedded(models_dir())
        print(f"base: {base}\ntiny: {tiny}")
    elif args.cmd == "list":
        for alias, text in _list_rows():
            print(f"{alias:<10} {text}")
    else:
        info = describe(resolve(args.alias))
        if args.json:
            print(json.dumps(info, indent=2))
        else:
            for key, value in info.items():
                shown = f"{value:,}" if key == "parameters" else value
                print(f"{key:<12} {shown}")
    return 0
