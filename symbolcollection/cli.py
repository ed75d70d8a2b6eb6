"""``python -m symbolcollection build | stats | concepts | validate PATH | show ID | export SPLIT OUT | load PATH``.

The same commands run as ``python -m trainer.data ...`` (the package's former name).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from symbolcollection.config import BuildConfig
from symbolcollection.worker import CHECK_TIMEOUT_S
from symbolscope.cli import add_options, options_from
from symbolscope.cores import worker_count
from symbolscope.errors import UserError, get_logger

log = get_logger(__name__)


def _parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="The embedded Symbolic Collection.")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the embedded collection into the cache")
    add_options(b, BuildConfig)
    s = sub.add_parser("stats", help="table per family and task")
    add_options(s, BuildConfig, only=("seed",))
    s.add_argument("--words", action="store_true", help="count whitespace words instead of tokens")
    c = sub.add_parser(
        "concepts",
        help="table concept x family: occurrences (distinct symbols) of each family's concept symbols in a split",
    )
    c.add_argument(
        "--split",
        default="analysis",
        help="train, analysis, test or analysis-valid (default: analysis, the data card's)",
    )
    add_options(c, BuildConfig, only=("seed",))
    v = sub.add_parser("validate", help="check a file in the released schema")
    v.add_argument("path")
    v.add_argument("--mapping", help="JSON mapping from instruction regexes to families")
    v.add_argument(
        "--check-timeout",
        type=float,
        default=CHECK_TIMEOUT_S,
        help=f"seconds one row's check may take before the row is reported invalid (default: {CHECK_TIMEOUT_S:g})",
    )
    sh = sub.add_parser("show", help="print one sample by id")
    sh.add_argument("id")
    add_options(sh, BuildConfig, only=("seed",))
    ex = sub.add_parser(
        "export", help="write one split as JSONL (the released schema plus id/task/family/source)"
    )
    ex.add_argument("split", help="train, analysis, test, evol_<split>, general_train or general_test")
    ex.add_argument("out", help="output .jsonl path")
    add_options(ex, BuildConfig, only=("seed",))
    ld = sub.add_parser("load", help="load a released or general file and store it as an Arrow dataset")
    ld.add_argument("path", help="local .jsonl/.json file or hub dataset name")
    ld.add_argument("--general", action="store_true", help="Alpaca / ShareGPT / messages format")
    ld.add_argument("--mapping")
    ld.add_argument("--skip-invalid", action="store_true", help="skip bad rows (and report how many)")
    return p


def main(argv: Sequence[str] | None = None, prog: str = "python -m symbolcollection") -> int:
    """Entry point of the CLI; ``prog`` is the command name its help and errors show."""
    args = _parser(prog).parse_args(argv)
    if args.cmd == "build":
        import time

        from symbolcollection.build import ensure_built

        t0 = time.perf_counter()
        config = options_from(BuildConfig, args)
        config.check()
        workers = worker_count(config.workers, "--workers")
        folder = ensure_built(config.seed, config.evol_share, force=config.force, workers=workers)
        print(f"{folder} ({time.perf_counter() - t0:.1f}s)")
        return 0
    if args.cmd == "stats":
        from symbolcollection.collection import ensure_collection
        from symbolcollection.stats import collection_stats

        print(collection_stats(ensure_collection(args.seed), use_tokenizer=not args.words))
        return 0
    if args.cmd == "concepts":
        from symbolcollection.collection import load_split
        from symbolcollection.concepts import concept_counts, markdown_table

        counts = concept_counts(load_split(args.split, seed=args.seed))
        print(markdown_table(counts))
        skipped = ", ".join(f"{f} {n}" for f, n in sorted(counts.skipped.items())) or "none"
        print(f"\n{args.split}: {counts.samples} samples lexed; skipped (output does not lex): {skipped}")
        return 0
    if args.cmd == "validate":
        from symbolcollection.validate import report, validate_file

        if not 0 < args.check_timeout <= 3600:
            raise UserError(f"--check-timeout {args.check_timeout}: give seconds in (0, 3600]")
        rows, problems = validate_file(args.path, args.mapping, timeout=args.check_timeout)
        print(report(args.path, rows, problems), file=sys.stdout)
        return 1 if problems else 0
    if args.cmd == "show":
        from symbolcollection.collection import ensure_collection
        from symbolcollection.store import read_split, split_names

        folder = ensure_collection(args.seed)
        for split in split_names(folder):
            for s in read_split(folder, split):
                if s.id == args.id:
                    print(json.dumps({"split": split, **s.to_dict()}, indent=2, ensure_ascii=False))
                    return 0
        raise UserError(f"no sample with id '{args.id}' in {folder}; ids look like 'nl2sql-select-0001'")
    if args.cmd == "export":
        from pathlib import Path

        from symbolcollection.collection import ensure_collection
        from symbolcollection.store import read_split
        from symbolscope.io import atomic_write_text
        from symbolscope.paths import writable_dir

        out = Path(args.out)
        if out.is_dir() or args.out.endswith("/"):
            raise UserError(
                f"export: {args.out} is a folder; give a file path such as {out / (args.split + '.jsonl')}"
            )
        writable_dir(out.parent, "export: the folder of")  # before reading the split
        samples = read_split(ensure_collection(args.seed), args.split)
        atomic_write_text(
            args.out, "".join(json.dumps(s.to_dict(), ensure_ascii=False) + "\n" for s in samples)
        )
        print(f"{args.out}: {len(samples)} samples")
        return 0
    from symbolcollection.loaders import load_general_file, load_released, save_as_dataset

    if args.general:
        samples, rep = load_general_file(args.path, skip_invalid=args.skip_invalid)
    else:
        samples, rep = load_released(args.path, mapping=args.mapping, skip_invalid=args.skip_invalid)
    folder = save_as_dataset(samples, "general" if args.general else "released")
    print(rep.summary())
    print(folder)
    return 0
