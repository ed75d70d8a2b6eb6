"""Writing an activation store: a resumable hidden folder of shards, renamed into place when done.

Layout while writing (``<root>`` is ``home()/store``)::

    <root>/.<name>.partial/plan.json            what is being extracted (to validate a resume)
    <root>/.<name>.partial/shard-00000.safetensors   finished shards (each written atomically)
    <root>/.<name>.lock                          an flock held by the writing process

Only a folder without a leading dot and with a ``manifest.json`` is a store; the partial folder
becomes ``<root>/<name>`` with one ``os.replace`` after the manifest is written, so a kill or a
full disk at any point leaves either the previous store or none, never a half-written one. A
rerun with the same plan resumes from the finished shards; a different plan discards them.
Numpy and safetensors only (no torch), so that readers stay cheap to import.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from analysis.store import MANIFEST
from analysis.symbolstore import symbol_shard_name
from lm.checkpoints.fingerprint import check_safetensors
from symbolscope.errors import UserError, get_logger
from symbolscope.io import atomic_write_bytes, atomic_write_json, disk_write

log = get_logger(__name__)

PLAN = "plan.json"


def shard_name(index: int) -> str:
    """File name of shard ``index``."""
    return f"shard-{index:05d}.safetensors"


def partial_dir(final: Path) -> Path:
    """The hidden folder in which ``final`` is built."""
    return final.with_name(f".{final.name}.partial")


@contextlib.contextmanager
def store_lock(final: Path) -> Iterator[None]:
    """Hold an exclusive lock for building ``final`` (waits for another writer to finish)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    lock_path = final.with_name(f".{final.name}.lock")
    with open(lock_path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another process is writing %s; waiting for it", final.name)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class PartialStore:
    """The hidden folder of a store being written: its plan and its finished shards."""

    def __init__(self, final: Path, plan: Mapping[str, Any]):
        self.final = final
        self.path = partial_dir(final)
        self.plan = dict(plan)

    def open(self) -> int:
        """Create the folder, or reuse it if its plan matches; return the number of finished shards."""
        plan_file = self.path / PLAN
        if self.path.is_dir():
            try:
                old = json.loads(plan_file.read_text())
            except (OSError, ValueError):
                old = None
            if old == json.loads(json.dumps(self.plan, default=str)):
                return sum(self.done(i) for i in range(int(self.plan["num_shards"])))
            log.info("discarding an unfinished extraction of %s made with a different plan", self.final.name)
            shutil.rmtree(self.path)
        with disk_write(self.path):
            self.path.mkdir(parents=True)
        atomic_write_json(plan_file, self.plan)
        return 0

    def done(self, index: int) -> bool:
        """Whether shard ``index`` is finished (present and complete; with symbols in the plan,
        its symbol shard too, which is written first)."""
        names = [shard_name(index)]
        if self.plan.get("symbols"):
            names.insert(0, symbol_shard_name(index))
        for name in names:
            path = self.path / name
            if not path.is_file():
                return False
            try:
                check_safetensors(path)
            except UserError:
                path.unlink()
                return False
        return True

    def write_symbol_shard(
        self, index: int, tensors: Mapping[str, np.ndarray], dtype: str, meta: Mapping[str, Any]
    ) -> Path:
        """Write symbol shard ``index`` (``[n, d]`` tensors stored as ``dtype``, JSON-able ``meta``:
        its rows' table) atomically; written before the sample shard that marks ``index`` done."""
        from safetensors.numpy import save

        arrays = {k: np.ascontiguousarray(v, dtype=np.dtype(dtype)) for k, v in tensors.items()}
        data = save(arrays, metadata={"symbolscope": json.dumps(meta)})
        return atomic_write_bytes(self.path / symbol_shard_name(index), data)

    def write_shard(self, index: int, tensors: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> Path:
        """Write shard ``index`` (fp32 ``[n, d]`` tensors, JSON-able ``meta``) atomically."""
        from safetensors.numpy import save

        arrays = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
        # serialised in memory, then the one atomic writer: a full disk is one line naming the
        # shard and its size, and the finished shards stay for the rerun to resume from
        data = save(arrays, metadata={"symbolscope": json.dumps(meta)})
        return atomic_write_bytes(self.path / shard_name(index), data)

    def shard_meta(self, index: int, name: str | None = None) -> dict[str, Any]:
        """The metadata stored in shard ``index`` (or in the file ``name`` of the folder)."""
        from safetensors import safe_open

        with safe_open(str(self.path / (name or shard_name(index))), framework="numpy") as fh:
            return json.loads((fh.metadata() or {})["symbolscope"])

    def finalize(self, manifest: Mapping[str, Any]) -> Path:
        """Write the manifest and rename the folder into place (replacing an older store)."""
        atomic_write_json(self.path / MANIFEST, manifest)
        (self.path / PLAN).unlink(missing_ok=True)
        if self.final.exists():
            old = self.final.with_name(f".{self.final.name}.old-{os.getpid()}")
            os.replace(self.final, old)
            os.replace(self.path, self.final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(self.path, self.final)
        return self.final
