"""One interface over plain PyTorch (1 process) and DeepSpeed ZeRO-2/3 (N processes).

The loop calls, per optimizer step: ``forward`` and ``backward`` for each micro-batch,
``micro_step`` after every micro-batch but the last and ``optimizer_step`` after the last.
``backward`` receives the loss already normalised by the *global* number of trainable tokens
of the step, so the gradient is the same whatever the world size and accumulation.

Optimizer: torch AdamW (passed to DeepSpeed too, which avoids compiling its fused kernels);
schedule: linear warmup then cosine/linear/constant, as a ``LambdaLR``.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import torch

from symbolscope.errors import UserError
from trainer.config import StageConfig

STATE_FILE = "trainer_state.pt"
WEIGHTS_FILE = "weights.safetensors"


class LrShape:
    """Multiplier of the peak learning rate at each step (picklable, so schedulers save cleanly)."""

    def __init__(self, kind: str, warmup: int, total: int, floor: float) -> None:
        self.kind, self.warmup, self.total, self.floor = kind, warmup, max(1, total), floor

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return (step + 1) / (self.warmup + 1)
        if self.kind == "constant":
            return 1.0
        progress = min(1.0, (step - self.warmup) / max(1, self.total - self.warmup))
        shape = 0.5 * (1 + math.cos(math.pi * progress)) if self.kind == "cosine" else 1 - progress
        return self.floor + (1 - self.floor) * shape


def build_optimizer(
    model: torch.nn.Module, s: StageConfig, total_steps: int, cpu_offload: bool = False
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW (no decay on biases and norms) and its warmup + decay schedule over ``total_steps``.

    ``cpu_offload`` (ZeRO-Offload) uses DeepSpeed's CPU Adam, which ZeRO-Offload requires
    (compiled on first use); otherwise torch's AdamW.
    """
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            ndim = len(getattr(p, "ds_shape", p.shape))  # ZeRO-3 partitions have a flat local shape
            (no_decay if ndim < 2 or "norm" in name else decay).append(p)
    groups = [
        g
        for g in (
            {"params": decay, "weight_decay": s.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        )
        if g["params"]
    ]
    if cpu_offload:
        from deepspeed.ops.adam import DeepSpeedCPUAdam

        opt = DeepSpeedCPUAdam(groups, lr=s.lr, betas=tuple(s.adam_betas), eps=1e-8, adamw_mode=True)
    else:
        opt = torch.optim.AdamW(groups, lr=s.lr, betas=tuple(s.adam_betas), eps=1e-8)
    return opt, build_scheduler(opt, s, total_steps)


def build_scheduler(
    opt: torch.optim.Optimizer, s: StageConfig, total_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """Warmup (``ceil(warmup_ratio × total_steps)`` steps) then the configured decay."""
    warmup = math.ceil(s.warmup_ratio * total_steps)
    return torch.optim.lr_scheduler.LambdaLR(opt, LrShape(s.schedule, warmup, total_steps, s.min_lr_ratio))


def rng_state() -> dict[str, Any]:
    """Python, torch (and CUDA) RNG states, as tensors (so the state loads with ``weights_only=True``).

    Python's Mersenne Twister state is its 625 words as an int64 tensor ``[625]`` (the version and
    the cached Gaussian are constants of ``random.Random``'s ``getrandbits`` path and are dropped).
    """
    version, words, gauss = random.getstate()
    state = {
        "python": torch.tensor(words, dtype=torch.int64),
        "python_version": torch.tensor(version),
        "torch": torch.get_rng_state(),
    }
    if gauss is not None:
        state["python_gauss"] = torch.tensor(gauss, dtype=torch.float64)
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore :func:`rng_state` (also accepts the older plain-tuple Python state)."""
    py = state["python"]
    if isinstance(py, torch.Tensor):
        gauss = state.get("python_gauss")
        version = int(state.get("python_version", torch.tensor(3)))
        py = (version, tuple(int(w) for w in py.tolist()), None if gauss is None else float(gauss))
    random.setstate(py)
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def load_trusted_state(path: Path, mmap: bool = False) -> Any:
    """``torch.load(path, weights_only=True)``: tensors and plain containers only, never code.

    A missing, truncated or foreign file (or one written by a pre-tensor-RNG version that
    needs arbitrary unpickling) is a :class:`UserError` naming it.
    """
    import pickle

    if not path.is_file():
        raise UserError(f"{path}: trainer state missing; start the run over with --overwrite")
    try:
        return torch.load(path, weights_only=True, map_location="cpu", mmap=mmap)
    except pickle.UnpicklingError:
        raise UserError(
            f"{path}: this trainer state predates the safe format (or holds code), so it is not loaded; "
            "start the run over with --overwrite"
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError) as err:
        first = (str(err).splitlines() or [type(err).__name__])[0][:200]
        raise UserError(
            f"{path}: unreadable trainer state ({first}); start the run over with --overwrite"
        ) from None


#: The only non-tensor classes a DeepSpeed ZeRO checkpoint of this trainer pickles (plain data
#: holders whose construction runs no code from the file); anything else is refused unread.
DEEPSPEED_GLOBALS = frozenset({
    "deepspeed.utils.tensor_fragment.fragment_address",
    "deepspeed.runtime.fp16.loss_scaler.LossScaler",
    "deepspeed.runtime.fp16.loss_scaler.DynamicLossScaler",
    "deepspeed.runtime.zero.config.ZeroStageEnum",
})  # fmt: skip


def _check_pickle(path: Path, allowed: frozenset[str]) -> None:
    """Refuse ``path`` if its pickle names a global outside ``allowed`` (reads opcodes, runs nothing)."""
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception as err:
        raise UserError(
            f"{path}: unreadable checkpoint file ({type(err).__name__}); start the run over with --overwrite"
        ) from None
    extra = sorted(set(names) - allowed)
    if extra:
        raise UserError(
            f"{path}: refusing to load a checkpoint that names {', '.join(extra[:3])} (code could run); "
            "this trainer state predates the safe format or was tampered with; start the run over with --overwrite"
        )


def check_deepspeed_checkpoint(folder: Path) -> None:
    """Refuse a DeepSpeed checkpoint whose pickles name anything beyond :data:`DEEPSPEED_GLOBALS`.

    DeepSpeed itself unpickles with ``weights_only=False``; this scans every ``*.pt`` first.
    """
    for path in sorted(folder.rglob("*.pt")):
        _check_pickle(path, frozenset() if path.name.startswith("rng-") else DEEPSPEED_GLOBALS)


def check_resume_files(folder: Path) -> None:
    """Pre-flight of a resume checkpoint, before the model and data are loaded: every pickle is
    scanned, and a single-process state is opened (``weights_only=True``, memory-mapped) and its
    weights file's header checked, so a planted, truncated or foreign file fails fast in one line."""
    from lm.checkpoints.fingerprint import check_safetensors

    if (folder / "ckpt").is_dir():  # a DeepSpeed checkpoint
        check_deepspeed_checkpoint(folder)
        return
    if (folder / STATE_FILE).is_file():
        _check_pickle(folder / STATE_FILE, frozenset())
    state = load_trusted_state(folder / STATE_FILE, mmap=True)
    client = state.get("client") if isinstance(state, dict) else None
    if not (isinstance(client, dict) and {"optimizer", "scheduler", "rng"} <= set(state)):
        raise UserError(
            f"{folder / STATE_FILE}: not a trainer state of this suite; start the run over with --overwrite"
        )
    check_safetensors(folder / WEIGHTS_FILE)


class TorchEngine:
    """Single-process training with plain PyTorch."""

    zero_stage = 0

    def __init__(self, model: torch.nn.Module, s: StageConfig, total_steps: int, device: str) -> None:
        self.module = model.to(device)
        self.optimizer, self.scheduler = build_optimizer(model, s, total_steps)
        self.max_grad_norm = s.max_grad_norm

    def forward(self, **inputs: Any) -> Any:
        return self.module(**inputs)

    def backward(self, loss: torch.Tensor) -> None:
        loss.backward()

    def micro_step(self) -> None:
        """Nothing to do between micro-batches: gradients accumulate in ``.grad``."""

    def optimizer_step(self) -> float:
        """Clip, step, schedule, zero the gradients; returns the pre-clip gradient norm."""
        norm = torch.nn.utils.clip_grad_norm_(self.module.parameters(), self.max_grad_norm or float("inf"))
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(norm)

    def discard_gradients(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)

    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def save_state(self, folder: Path, client: dict[str, Any]) -> None:
        """Weights, optimizer, scheduler, RNG and ``client`` (data position) into ``folder``."""
        from safetensors.torch import save_model

        save_model(self.module, str(folder / WEIGHTS_FILE))
        torch.save(
            {
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(),
                "rng": rng_state(),
                "client": client,
            },
            folder / STATE_FILE,
        )

    def load_state(self, folder: Path) -> dict[str, Any]:
        """Restore :meth:`save_state`; returns the client state.

        The trainer state is read first (``weights_only=True``), then the weights (safetensors);
        a file that is missing, truncated, foreign or of an older format is a :class:`UserError`.
        """
        from safetensors.torch import load_model

        from lm.checkpoints.fingerprint import check_safetensors

        state = load_trusted_state(folder / STATE_FILE)
        check_safetensors(folder / WEIGHTS_FILE)
        try:
            load_model(self.module, str(folder / WEIGHTS_FILE))
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
            set_rng_state(state["rng"])
            return dict(state["client"])
        except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as err:
            first = (str(err).strip().splitlines() or [""])[0][:120]
            raise UserError(
                f"{folder}: not a resume checkpoint of this run ({type(err).__name__}: {first}); "
                "start the run over with --overwrite"
            ) from None

    def full_state_dict(self) -> dict[str, torch.Tensor]:
        return self.module.state_dict()


class DeepSpeedEngine:
    """DeepSpeed ZeRO (stage from the JSON) with a torch optimizer, on every rank."""

    def __init__(
        self, model: torch.nn.Module, s: StageConfig, total_steps: int, ds_config: dict[str, Any], world: int
    ) -> None:
        import deepspeed

        from trainer.dsconfig import zero_stage

        zero = ds_config.get("zero_optimization") or {}
        offload = (zero.get("offload_optimizer") or {}).get("device", "none") not in ("none", None)
        optimizer, _ = build_optimizer(model, s, total_steps, cpu_offload=offload)
        # The schedule is built on DeepSpeed's wrapped optimizer (its param groups may differ).
        self.engine, self.optimizer, _, self.scheduler = deepspeed.initialize(
            model=model,
            optimizer=optimizer,
            lr_scheduler=lambda opt: build_scheduler(opt, s, total_steps),
            config=ds_config,
        )
        self.module = self.engine.module
        self.world = world
        self.zero_stage = zero_stage(ds_config)

    def forward(self, **inputs: Any) -> Any:
        return self.engine(**inputs)

    def backward(self, loss: torch.Tensor) -> None:
        # DeepSpeed averages gradients over ranks and (by default) divides by the accumulation
        # steps; the loss is already a share of the global mean, so undo both.
        self.engine.backward(loss * self.world, scale_wrt_gas=False)

    def micro_step(self) -> None:
        self.engine.step()

    def optimizer_step(self) -> float:
        self.engine.step()
        norm = self.engine.get_global_grad_norm()
        return float(norm) if norm is not None else float("nan")

    def discard_gradients(self) -> None:
        self.engine.zero_grad()

    def lr(self) -> float:
        return float(self.scheduler.get_last_lr()[0])

    def save_state(self, folder: Path, client: dict[str, Any]) -> None:
        """DeepSpeed checkpoint (every rank writes its shard) plus RNG per rank."""
        self.engine.save_checkpoint(str(folder), tag="ckpt", client_state={"client": client})
        torch.save(rng_state(), folder / f"rng-{self.engine.global_rank}.pt")

    def load_state(self, folder: Path) -> dict[str, Any]:
        check_deepspeed_checkpoint(folder)
        _, state = self.engine.load_checkpoint(str(folder), tag="ckpt")
        rng = folder / f"rng-{self.engine.global_rank}.pt"
        if rng.is_file():
            set_rng_state(load_trusted_state(rng))
        return state["client"]

    def full_state_dict(self) -> dict[str, torch.Tensor] | None:
        """Whole weights on rank 0 (gathered under ZeRO-3; collective), None elsewhere."""
        if self.zero_stage == 3:
            return self.engine._zero3_consolidated_16bit_state_dict()
        return self.module.state_dict() if self.engine.global_rank == 0 else None
