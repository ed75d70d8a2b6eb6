"""Run folders: what may be (re)used, resume checkpoints, the final model, and the run card.

Layout of ``runs/<stage>/<run-name>/``::

    symbolscope.json        run card; "finished": false while training, true (written last)
    state/step-<N>/         newest resume checkpoint (weights, optimizer, scheduler, RNG, step)
    state/latest.json       {"step": N, "folder": "step-N"}, written after the folder is complete
    tb/                     TensorBoard scalars
    metrics.jsonl           one line per logged step
    config.json, model.safetensors, tokenizer files   the final model (before the card says finished)

Only rank 0 writes, except the per-rank shards of a DeepSpeed checkpoint.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lm.checkpoints import RUN_CARD
from symbolscope import distributed
from symbolscope.distributed import DistInfo
from symbolscope.errors import UserError
from symbolscope.io import atomic_write_json, disk_write
from symbolscope.paths import runs_dir
from symbolscope.reading import read_json
from trainer.config import check_run_name

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

STATE_DIR = "state"
LATEST = "latest.json"


def utc_now() -> str:
    """ISO-8601 UTC timestamp with microseconds (sortable)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def read_card(folder: Path) -> dict[str, Any] | None:
    """The run card of ``folder``, or None if there is none (or it is unreadable or not an object)."""
    try:
        card = read_json(folder / RUN_CARD, "run card", 64 << 20)
    except UserError:
        return None
    return card if isinstance(card, dict) else None


def write_card(folder: Path, card: dict[str, Any]) -> None:
    """Write the run card atomically."""
    atomic_write_json(folder / RUN_CARD, card)


def run_folder(stage: str, name: str, output: str | None = None) -> Path:
    """``output`` if given, else ``runs_dir()/<stage>/<name>`` (``name`` must be a safe folder name)."""
    if output:
        path = Path(output).expanduser()
        if path.name in ("", ".", "..") or path.resolve() == path.resolve().parent:
            raise UserError(f"--output {output!r}: give a run folder, not '.', '..' or a root")
        return path
    return runs_dir() / stage / check_run_name(name, "run name")


def check_folder(folder: Path, *, resume: bool, overwrite: bool) -> bool:
    """Check what ``folder`` holds against the flags (no side effects); return True when resuming.

    - finished run: error unless ``--overwrite`` (then it will be replaced by a fresh run);
    - unfinished run: ``--resume`` continues it, ``--overwrite`` starts over, otherwise error;
    - nothing: start fresh (``--resume`` is an error).
    """
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file, not a run folder; pick another --output or --run-name")
    card = read_card(folder)
    if overwrite and not resume and folder.is_dir() and any(folder.iterdir()) and not is_run_card(card):
        raise UserError(
            f"{folder} is not empty and holds no run card of this suite; --overwrite only replaces a run "
            "folder (pick another --output or --run-name)"
        )
    if card and card.get("finished"):
        if not overwrite:
            raise UserError(
                f"{folder} holds a finished {card.get('stage', '')} run; pass --overwrite to replace it "
                "or --run-name to train a new one"
            )
        return False
    if folder.exists() and any(folder.iterdir()):
        if resume and latest_state(folder) is None:
            raise UserError(f"{folder}: nothing to resume (no checkpoint in {STATE_DIR}/); drop --resume")
        if not resume and not overwrite:
            raise UserError(
                f"{folder} holds an unfinished run; pass --resume to continue it or --overwrite to start over"
            )
        return resume
    if resume:
        raise UserError(f"{folder}: no run to resume; start it without --resume")
    return False


def is_run_card(card: dict[str, Any] | None) -> bool:
    """Whether ``card`` is a run card written by this suite's trainer."""
    return isinstance(card, dict) and card.get("stage") in ("injection", "infusion") and "finished" in card


def staging_folder(folder: Path) -> Path:
    """The hidden sibling in which an ``--overwrite`` run is built before it replaces ``folder``."""
    return folder.with_name(f".{folder.name}.overwrite")


def open_folder(folder: Path, *, resume: bool, dist: DistInfo) -> Path:
    """Create the folder the run writes into (rank 0); all ranks wait; return it.

    Resuming or a fresh name: ``folder`` itself. Replacing an existing run: an empty hidden
    sibling (:func:`staging_folder`); :func:`swap_in` moves it into place once the run succeeded,
    so a failed ``--overwrite`` run leaves the old one untouched.
    """
    work = folder if resume or not folder.exists() else staging_folder(folder)
    distributed.barrier()
    if dist.main:
        if work != folder and work.exists():
            shutil.rmtree(work)  # our own leftover staging folder from a failed --overwrite
        work.mkdir(parents=True, exist_ok=True)
    distributed.barrier()
    return work


def swap_in(work: Path, folder: Path, dist: DistInfo) -> None:
    """Replace ``folder`` by the finished run in ``work`` (no-op when they are the same)."""
    if dist.main and work != folder:
        old = folder.with_name(f".{folder.name}.replaced-{os.getpid()}")
        if folder.exists() or folder.is_symlink():
            os.replace(folder, old)  # a symlinked run is unlinked, never followed
        os.replace(work, folder)
        shutil.rmtree(old, ignore_errors=True)
    distributed.barrier()


@contextlib.contextmanager
def run_lock(folder: Path, dist: DistInfo) -> Iterator[None]:
    """Hold an exclusive lock on run ``folder`` (rank 0) for the whole run; a second one is refused."""
    if not dist.main:
        yield
        return
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        fh = open(folder.with_name(f".{folder.name}.lock"), "a+")  # noqa: SIM115 - closed by the with below
    except OSError as err:
        raise UserError(f"{folder.parent}: cannot create the run folder there ({err.strerror})") from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"{folder} is being trained by another process; wait for it or pick another --run-name"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def latest_state(folder: Path) -> Path | None:
    """The newest complete resume checkpoint of a run, or None.

    ``state/latest.json`` names a folder ``step-<N>`` directly inside ``state/``; anything else
    (another path, a link out of the run, a malformed file) is a :class:`UserError`.
    """
    try:
        info = json.loads((folder / STATE_DIR / LATEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as err:
        raise UserError(
            f"{folder / STATE_DIR / LATEST}: unreadable ({type(err).__name__}); start over with --overwrite"
        ) from None
    name = info.get("folder") if isinstance(info, dict) else None
    if not isinstance(name, str) or not re.fullmatch(r"step-[0-9]{1,12}", name):
        raise UserError(
            f"{folder / STATE_DIR / LATEST}: 'folder' must name a step-<N> folder of this run, got {name!r}; "
            "start over with --overwrite"
        )
    path = folder / STATE_DIR / name
    if path.is_symlink() or not path.resolve().is_relative_to((folder / STATE_DIR).resolve()):
        raise UserError(f"{path}: leaves the run folder; start over with --overwrite")
    return path if path.is_dir() else None


def _after_full_disk(folder: Path) -> str:
    """How to go on once space is freed: resume from the last checkpoint, or start over if none."""
    if latest_state(folder) is not None:
        return "then continue with --resume"
    return "then start over with --overwrite (no earlier checkpoint to resume from)"


def _bytes_in(folder: Path) -> int:
    """Bytes of the files under ``folder`` (0 if it is gone)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def save_state(engine: Any, folder: Path, step: int, client: dict[str, Any], dist: DistInfo) -> Path:
    """Write a resume checkpoint for ``step`` atomically (temp folder, rename, then latest.json)."""
    root = folder / STATE_DIR
    tmp, final = root / f".tmp-step-{step}", root / f"step-{step}"
    if dist.main:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
    distributed.barrier()
    try:
        with disk_write(tmp):  # a full disk: one line, the previous checkpoint stays for --resume
            engine.save_state(tmp, client)
    except UserError as err:
        written = _bytes_in(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        raise UserError(
            f"resume checkpoint of step {step} (needs more than the {written} bytes written): {err}; "
            f"{_after_full_disk(folder)}"
        ) from None
    distributed.barrier()
    if dist.main:
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        previous = latest_state(folder)
        atomic_write_json(root / LATEST, {"step": step, "folder": final.name})
        if previous is not None and previous != final:
            shutil.rmtree(previous, ignore_errors=True)
    distributed.barrier()
    return final


def save_final_model(engine: Any, tokenizer: PreTrainedTokenizerBase, folder: Path, dist: DistInfo) -> None:
    """Gather the weights (collective) and write a normal safetensors model folder on rank 0.

    Files are written to a temporary sibling and moved into ``folder`` one by one; the run is
    only *finished* once the card says so, which the caller writes afterwards.
    """
    state = engine.full_state_dict()
    if dist.main:
        tmp = folder / ".final-tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            with disk_write(tmp):
                engine.module.save_pretrained(tmp, state_dict=state, safe_serialization=True)
                tokenizer.save_pretrained(tmp)
        except UserError as err:
            written = _bytes_in(tmp)
            shutil.rmtree(tmp, ignore_errors=True)
            raise UserError(
                f"final model (needs more than the {written} bytes written): {err}; {_after_full_disk(folder)}"
            ) from None
        for item in tmp.iterdir():
            os.replace(item, folder / item.name)
        tmp.rmdir()
    distributed.barrier()


def remove_states(folder: Path, dist: DistInfo) -> None:
    """Drop resume checkpoints of a finished run (the final weights supersede them)."""
    if dist.main:
        shutil.rmtree(folder / STATE_DIR, ignore_errors=True)
