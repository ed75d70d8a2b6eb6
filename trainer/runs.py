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

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.checkpoints import RUN_CARD
from symbolscope import distributed
from symbolscope.distributed import DistInfo
from symbolscope.errors import UserError
from symbolscope.io import atomic_write_json
from symbolscope.paths import runs_dir

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

STATE_DIR = "state"
LATEST = "latest.json"


def utc_now() -> str:
    """ISO-8601 UTC timestamp with microseconds (sortable)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def read_card(folder: Path) -> dict[str, Any] | None:
    """The run card of ``folder``, or None if there is none (or it is unreadable)."""
    try:
        return json.loads((folder / RUN_CARD).read_text())
    except (OSError, ValueError):
        return None


def write_card(folder: Path, card: dict[str, Any]) -> None:
    """Write the run card atomically."""
    atomic_write_json(folder / RUN_CARD, card)


def run_folder(stage: str, name: str, output: str | None = None) -> Path:
    """``output`` if given, else ``runs_dir()/<stage>/<name>``."""
    return Path(output).expanduser() if output else runs_dir() / stage / name


def check_folder(folder: Path, *, resume: bool, overwrite: bool) -> bool:
    """Check what ``folder`` holds against the flags (no side effects); return True when resuming.

    - finished run: error unless ``--overwrite`` (then it will be replaced by a fresh run);
    - unfinished run: ``--resume`` continues it, ``--overwrite`` starts over, otherwise error;
    - nothing: start fresh (``--resume`` is an error).
    """
    card = read_card(folder)
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


def open_folder(folder: Path, *, resume: bool, dist: DistInfo) -> None:
    """Create the run folder (rank 0), emptying it first unless resuming; all ranks wait."""
    distributed.barrier()
    if dist.main:
        if not resume and folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
    distributed.barrier()


def latest_state(folder: Path) -> Path | None:
    """The newest complete resume checkpoint of a run, or None."""
    try:
        info = json.loads((folder / STATE_DIR / LATEST).read_text())
    except (OSError, ValueError):
        return None
    path = folder / STATE_DIR / info["folder"]
    return path if path.is_dir() else None


def save_state(engine: Any, folder: Path, step: int, client: dict[str, Any], dist: DistInfo) -> Path:
    """Write a resume checkpoint for ``step`` atomically (temp folder, rename, then latest.json)."""
    root = folder / STATE_DIR
    tmp, final = root / f".tmp-step-{step}", root / f"step-{step}"
    if dist.main:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
    distributed.barrier()
    engine.save_state(tmp, client)
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
        engine.module.save_pretrained(tmp, state_dict=state, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        for item in tmp.iterdir():
            os.replace(item, folder / item.name)
        tmp.rmdir()
    distributed.barrier()


def remove_states(folder: Path, dist: DistInfo) -> None:
    """Drop resume checkpoints of a finished run (the final weights supersede them)."""
    if dist.main:
        shutil.rmtree(folder / STATE_DIR, ignore_errors=True)
