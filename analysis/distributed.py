"""Rank-sharded extraction: which shards a process extracts, and the few collectives it needs.

Under ``torchrun`` or ``accelerate launch`` (``WORLD_SIZE`` > 1 in the environment) the process
group is initialised here (NCCL when CUDA is available, gloo otherwise) unless the caller already
did. Rank ``r`` of ``w`` extracts shards ``r, r + w, r + 2w, …`` into the shared partial folder;
rank 0 alone holds the store lock, validates or creates the partial folder, and after a barrier
writes the manifest and renames the folder. Merging is therefore free: the shards already are
the store. Ranks must share the filesystem that holds ``home()/store``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def my_shards(num_shards: int, rank: int, world: int) -> list[int]:
    """Shard indices extracted by ``rank`` of ``world`` (round robin; the union is every shard once)."""
    if not 0 <= rank < world:
        raise ValueError(f"rank {rank} is not in 0..{world - 1}")
    return list(range(rank, num_shards, world))


def _dist() -> Any:
    import torch.distributed as dist

    return dist if dist.is_available() else None


def rank_world() -> tuple[int, int]:
    """``(rank, world_size)``: from an initialised process group, else from the environment."""
    dist = _dist()
    if dist is not None and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1 or dist is None:
        return 0, 1
    import torch

    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return dist.get_rank(), dist.get_world_size()


def device() -> str:
    """``cuda:<LOCAL_RANK>`` when CUDA is available, else ``cpu``."""
    import torch

    return f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}" if torch.cuda.is_available() else "cpu"


def barrier() -> None:
    """Wait for every rank (no-op in a single process)."""
    dist = _dist()
    if dist is not None and dist.is_initialized() and dist.get_world_size() > 1:
        dist.barrier()


def broadcast_done(flag: bool) -> bool:
    """Rank 0's ``flag`` on every rank (e.g. "the store already exists")."""
    dist = _dist()
    if dist is None or not dist.is_initialized() or dist.get_world_size() == 1:
        return flag
    box = [flag]
    dist.broadcast_object_list(box, src=0)
    return bool(box[0])


@contextlib.contextmanager
def leader_lock(final: Path, rank: int, lock: Callable[[Path], Any]) -> Iterator[None]:
    """``lock(final)`` on rank 0; nothing on the other ranks."""
    ctx = lock(final) if rank == 0 else contextlib.nullcontext()
    with ctx:
        yield
