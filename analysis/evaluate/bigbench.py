"""BIG-bench multiple-choice tasks for the General suite: the cache, the fetch step, the loader.

Every task's ``task.json`` ships inside the ``bigbench`` source distribution on PyPI (1.0.0,
Apache-2.0). ``make install`` runs ``python -m analysis.evaluate.bigbench fetch`` once: pip
downloads and unpacks the sdist into a temporary folder, the chosen tasks' JSON files are
checked and written atomically to ``<SYMBOLSCOPE_HOME>/bigbench/<task>.json`` (about 3 MB in
all), and the temporary folder (1.8 GB unpacked) is deleted. Nothing is downloaded at run time.

pip 25+ refuses to *finish* downloading this sdist ("Distributions from PyPI cannot declare
direct URL dependencies": its setup.py names a bundled ``bleurt`` zip), but only after it has
unpacked it; the fetch step therefore runs pip with ``--no-clean`` and a private ``TMPDIR`` and
takes the files from the unpacked tree (or from the archive, with a pip that keeps it).

Prompt format (BIG-bench's own zero-shot ``JsonTask`` format, as lm-eval-harness uses for base
models): ``task_prefix + example_input_prefix + input [+ choice_prefix + choice ...] +
example_output_prefix``, then the choice; the prefixes default to ``"\\nQ: "``, ``"\\nA: "`` and
``"\\n  choice: "`` and each task's JSON may override them (``append_choices_to_input`` too,
default true; the appended choices are sorted, then shuffled per item with the run's seed).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from symbolscope.errors import UserError, get_logger, run_cli
from symbolscope.io import atomic_write_bytes
from symbolscope.paths import home

log = get_logger(__name__)

SDIST = "bigbench==1.0.0"
#: task name -> its task.json inside the sdist's ``bigbench/benchmark_tasks/`` (all multiple
#: choice: every example has ``target_scores``; subtasks are the three-object variants).
TASKS: dict[str, str] = {
    "causal_judgment": "causal_judgment/task.json",
    "date_understanding": "date_understanding/task.json",
    "disambiguation_qa": "disambiguation_qa/task.json",
    "logical_deduction_three_objects": "logical_deduction/three_objects/task.json",
    "navigate": "navigate/task.json",
    "ruin_names": "ruin_names/task.json",
    "snarks": "snarks/task.json",
    "sports_understanding": "sports_understanding/task.json",
    "temporal_sequences": "temporal_sequences/task.json",
    "tracking_shuffled_objects_three_objects": "tracking_shuffled_objects/three_objects/task.json",
}
_MAX_BYTES = 16 << 20  # a task file larger than this is not one of the chosen tasks
_PIP_TIMEOUT = 1800  # seconds for pip to download and unpack the sdist (about 300 MB)


@dataclass(frozen=True)
class Item:
    """One multiple-choice example: its input and each choice's score (the best are correct)."""

    input: str
    choices: tuple[str, ...]
    scores: tuple[float, ...]

    @property
    def correct(self) -> tuple[int, ...]:
        """Indices of the choices with the highest score."""
        best = max(self.scores)
        return tuple(i for i, s in enumerate(self.scores) if s == best)


@dataclass(frozen=True)
class Task:
    """A BIG-bench multiple-choice task and its zero-shot prompt format."""

    name: str
    items: tuple[Item, ...]
    task_prefix: str = ""
    input_prefix: str = "\nQ: "
    output_prefix: str = "\nA: "
    choice_prefix: str = "\n  choice: "
    append_choices: bool = True

    @property
    def chance(self) -> float:
        """Expected accuracy of a uniform random pick: mean over items of n_correct / n_choices."""
        return chance_level(self.items)

    def prompt(self, index: int, seed: int = 0) -> str:
        """The zero-shot prompt of item ``index`` (choices appended in a per-item shuffled order)."""
        item = self.items[index]
        text = item.input
        if self.append_choices:
            order = sorted(item.choices)
            random.Random(f"{seed}:{self.name}:{index}").shuffle(order)
            text += self.choice_prefix + self.choice_prefix.join(order)
        return self.task_prefix + self.input_prefix + text + self.output_prefix


def chance_level(items: Sequence[Item]) -> float:
    """Mean over ``items`` of (number of correct choices) / (number of choices)."""
    if not items:
        raise ValueError("no items")
    return math.fsum(len(it.correct) / len(it.choices) for it in items) / len(items)


def cache_dir() -> Path:
    """``<SYMBOLSCOPE_HOME>/bigbench``: one ``<task>.json`` per chosen task."""
    return home() / "bigbench"


def _text(data: dict, key: str, default: str, where: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise UserError(f"{where}: '{key}' must be a string, not {type(value).__name__}")
    return value


def _item(ex: object, where: str) -> Item:
    if not isinstance(ex, dict) or not isinstance(ex.get("input"), str):
        raise UserError(f"{where}: needs an object with a string 'input'")
    ts = ex.get("target_scores")
    if not isinstance(ts, dict) or len(ts) < 2:
        raise UserError(f"{where}: 'target_scores' must map at least two choices to scores")
    bad = [
        k
        for k, v in ts.items()
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
    ]
    if bad:
        raise UserError(f"{where}: the score of choice {bad[0]!r} is not a finite number")
    if len(set(ts.values())) < 2:
        raise UserError(f"{where}: every choice has the same score, so none is correct")
    return Item(ex["input"], tuple(ts), tuple(float(v) for v in ts.values()))


def parse_task(data: object, name: str, where: str) -> Task:
    """Check a decoded ``task.json`` and keep its multiple-choice examples; ``UserError`` naming
    ``where`` (and the example) when it is not a multiple-choice BIG-bench task."""
    if not isinstance(data, dict) or not isinstance(data.get("examples"), list) or not data["examples"]:
        raise UserError(f"{where}: not a BIG-bench task (needs a non-empty 'examples' list)")
    items = tuple(_item(ex, f"{where}: example {i}") for i, ex in enumerate(data["examples"]))
    append = data.get("append_choices_to_input", True)
    if not isinstance(append, bool):
        raise UserError(f"{where}: 'append_choices_to_input' must be true or false")
    return Task(
        name=name,
        items=items,
        task_prefix=_text(data, "task_prefix", "", where),
        input_prefix=_text(data, "example_input_prefix", "\nQ: ", where),
        output_prefix=_text(data, "example_output_prefix", "\nA: ", where),
        choice_prefix=_text(data, "choice_prefix", "\n  choice: ", where),
        append_choices=append,
    )


def _decode(raw: bytes, where: str) -> object:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise UserError(f"{where}: not valid JSON ({type(err).__name__}: {err})") from None


def load_task(name: str, folder: Path | None = None) -> Task:
    """Read a chosen task from the cache; a missing cache says to run ``make install``."""
    if name not in TASKS:
        raise UserError(f"unknown BIG-bench task '{name}'; choose from: {', '.join(TASKS)}")
    path = (folder or cache_dir()) / f"{name}.json"
    if not path.is_file():
        raise UserError(f"BIG-bench task {name} is not in the cache ({path}): run `make install`")
    if path.stat().st_size > _MAX_BYTES:
        raise UserError(f"{path}: {path.stat().st_size} bytes is too large for a BIG-bench task")
    return parse_task(_decode(path.read_bytes(), str(path)), name, str(path))


def _pip_download(workdir: Path) -> None:
    env = {**os.environ, "TMPDIR": str(workdir / "tmp")}
    (workdir / "tmp").mkdir()
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--no-clean"]
    cmd += ["--quiet", "-d", str(workdir / "dl"), SDIST]
    log.info("downloading the %s sdist once (about 300 MB; only the chosen tasks are kept)", SDIST)
    try:
        subprocess.run(cmd, env=env, timeout=_PIP_TIMEOUT, capture_output=True, check=False)
    except subprocess.TimeoutExpired:
        raise UserError(f"pip download {SDIST} took longer than {_PIP_TIMEOUT} s") from None


def _read_sources(workdir: Path) -> dict[str, bytes]:
    """The chosen tasks' bytes from the archive pip kept, or from the tree it unpacked."""
    archives = sorted((workdir / "dl").glob("bigbench-*.tar.gz")) if (workdir / "dl").is_dir() else []
    if archives:
        found: dict[str, bytes] = {}
        with tarfile.open(archives[0]) as tar:  # members are only read, never extracted
            for member in tar:
                parts = member.name.split("/benchmark_tasks/", 1)
                for name, rel in TASKS.items():
                    if member.isfile() and len(parts) == 2 and parts[1] == rel and member.size <= _MAX_BYTES:
                        found[name] = tar.extractfile(member).read()  # type: ignore[union-attr]
        return found
    roots = sorted((workdir / "tmp").glob("pip-*/*/bigbench/benchmark_tasks"))
    if not roots:
        raise UserError(f"pip could not download {SDIST} (run it by hand to see why)")
    files = {n: roots[0] / rel for n, rel in TASKS.items()}
    return {n: f.read_bytes() for n, f in files.items() if f.is_file() and f.stat().st_size <= _MAX_BYTES}


def _cached_ok(name: str) -> bool:
    try:
        load_task(name)
        return True
    except UserError:
        return False


def fetch(force: bool = False) -> list[Path]:
    """Put every chosen task into the cache (idempotent: present, valid files are kept)."""
    folder = cache_dir()
    missing = [n for n in TASKS if force or not _cached_ok(n)]
    if not missing:
        return []
    workdir = Path(tempfile.mkdtemp(prefix="symbolscope-bigbench-"))
    try:
        _pip_download(workdir)
        sources = _read_sources(workdir)
        absent = [n for n in missing if n not in sources]
        if absent:
            raise UserError(f"{SDIST} has no {TASKS[absent[0]]}")
        for name in missing:  # every file is checked before any is written
            parse_task(_decode(sources[name], TASKS[name]), name, f"{SDIST}: {TASKS[name]}")
        return [atomic_write_bytes(folder / f"{name}.json", sources[name]) for name in missing]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """``fetch`` the chosen tasks into the cache, or ``list`` them with their sizes and chance."""
    parser = argparse.ArgumentParser(
        prog="python -m analysis.evaluate.bigbench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("command", choices=("fetch", "list"))
    parser.add_argument("--force", action="store_true", help="fetch again even if the cache is complete")
    args = parser.parse_args(argv)
    if args.command == "fetch":
        written = fetch(force=args.force)
        print(
            f"BIG-bench: {len(written)} task files written to {cache_dir()}"
            if written
            else "BIG-bench: cache complete"
        )
        return 0
    print(f"{'task':42s} {'items':>6s} {'chance':>7s}")
    for name in TASKS:
        task = load_task(name)
        print(f"{name:42s} {len(task.items):6d} {task.chance:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
