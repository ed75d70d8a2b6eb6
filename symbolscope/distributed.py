"""Process-group setup and the few collectives the trainer and rank-sharded extraction need.

Launch with ``torchrun --nproc_per_node=N ...``: it sets ``RANK``, ``LOCAL_RANK`` and
``WORLD_SIZE``. The backend is NCCL with CUDA and gloo otherwise. A single process (no
``WORLD_SIZE``) runs without a process group and every collective is a no-op.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    """Where this process sits: global rank, world size, local rank, device."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: str = "cpu"

    @property
    def main(self) -> bool:
        """True on rank 0 (the only rank that writes files)."""
        return self.rank == 0


def init_distributed(deepspeed: bool = False) -> DistInfo:
    """Join the process group described by the launcher's environment, if any.

    With ``deepspeed=True`` the group is set up by DeepSpeed (the trainer's engines need that).
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available()
    device = f"cuda:{local}" if cuda else "cpu"
    if cuda:
        torch.cuda.set_device(local)
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if cuda else "gloo"
        if deepspeed:
            import deepspeed as ds

            ds.init_distributed(dist_backend=backend)
        else:
            dist.init_process_group(backend)
    if dist.is_initialized():
        rank, world = dist.get_rank(), dist.get_world_size()
    return DistInfo(rank, world, local, device)


def active() -> bool:
    """True when a process group with more than one rank is up."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def barrier() -> None:
    """Wait for every rank (no-op in a single process)."""
    if active():
        dist.barrier()


def all_reduce_sum(values: list[float]) -> list[float]:
    """Element-wise sum of ``values`` over ranks (fp64)."""
    if not active():
        return list(values)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def broadcast(obj: Any) -> Any:
    """Rank 0's ``obj`` on every rank."""
    if not active():
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def gather(obj: Any) -> list[Any]:
    """Every rank's ``obj``, in rank order (on every rank)."""
    if not active():
        return [obj]
    out: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(out, obj)
    return out


def agree(ok: bool) -> bool:
    """True only if ``ok`` is true on every rank."""
    return all_reduce_sum([0.0 if ok else 1.0])[0] == 0.0


def my_shards(num_shards: int, rank: int, world: int) -> list[int]:
    """Shard indices handled by ``rank`` of ``world`` (round robin; the union is every shard once)."""
    if not 0 <= rank < world:
        raise ValueError(f"rank {rank} is not in 0..{world - 1}")
    return list(range(rank, num_shards, world))


@contextlib.contextmanager
def leader_lock(final: Path, rank: int, lock: Callable[[Path], Any]) -> Iterator[None]:
    """``lock(final)`` on rank 0; nothing on the other ranks."""
    ctx = lock(final) if rank == 0 else contextlib.nullcontext()
    with ctx:
        yield
