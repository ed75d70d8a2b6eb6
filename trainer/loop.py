"""Run one stage end to end: parent checkpoint → data → packed plan → training → run folder.

Single process: plain PyTorch. Under ``torchrun`` with a DeepSpeed config: ZeRO-2/3 over all
ranks, same plan and same normalisation, so the losses match the 1-process run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import json
import math
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from lm.checkpoints import Checkpoint, load_model
from lm.forward import forward_loss
from lm.loss import mask_dtype, mask_kind, validation_loss
from lm.packing import collate_packed
from symbolscope import distributed
from symbolscope.distributed import DistInfo
from symbolscope.errors import UserError, get_logger
from symbolscope.version import code_version
from trainer import runs
from trainer.config import TrainConfig, deepspeed_path, grad_accum_for
from trainer.plan import rank_micro_batches
from trainer.progress import Progress
from trainer.stageplan import RunRequest, StagePlan, plan_stage

if TYPE_CHECKING:
    pass

log = get_logger(__name__)


def attn_implementation(requested: str) -> str:
    """``auto`` → flash-attention 2 when installed with CUDA, else SDPA."""
    if requested != "auto":
        return requested
    if torch.cuda.is_available() and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


def _build_engine(req: RunRequest, parent: Checkpoint, total_steps: int, dist: DistInfo) -> tuple[Any, Any]:
    """Load the parent weights and wrap them in the right engine; returns (engine, ds_config)."""
    cfg, s = req.config, req.config.stage(req.stage)
    ds_file = deepspeed_path(cfg, req.deepspeed)
    if dist.world > 1 and ds_file is None:
        raise UserError(f"{dist.world} processes need a DeepSpeed config: pass --deepspeed zero2 or zero3")
    ds_config, keep_alive = None, None
    if ds_file is not None:
        from transformers import AutoConfig

        from trainer.dsconfig import fill_auto, read_ds_config, zero_stage

        hidden = int(getattr(AutoConfig.from_pretrained(parent.path), "hidden_size", 4096))
        ds_config = fill_auto(
            read_ds_config(ds_file),
            micro_batch=s.micro_batch_rows,
            grad_accum=grad_accum_for(s, dist.world, cfg.source),
            world=dist.world,
            max_grad_norm=s.max_grad_norm,
            bf16=cfg.dtype == "bfloat16" or cfg.autocast == "bf16",
            hidden_size=hidden,
            path=ds_file,
        )
        if zero_stage(ds_config) == 3:
            from transformers.integrations import HfDeepSpeedConfig

            keep_alive = HfDeepSpeedConfig(ds_config)  # makes from_pretrained load partitioned (zero.Init)
    model = load_model(parent, cfg.dtype, attn_implementation=attn_implementation(cfg.attn_implementation))
    model.train()
    model.config.use_cache = False
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if ds_config is None:
        from trainer.engine import TorchEngine

        return TorchEngine(model, s, total_steps, dist.device), None
    from trainer.engine import DeepSpeedEngine

    engine = DeepSpeedEngine(model, s, total_steps, ds_config, dist.world)
    engine.keep_alive = keep_alive
    return engine, ds_config


def _validate(engine: Any, ex: dict[str, list], cfg: TrainConfig, dist: DistInfo, pad: int) -> dict:
    return {
        name: validation_loss(
            engine.forward, engine.module, rows, cfg.max_length, cfg.eval.batch_rows, dist, pad, cfg.autocast
        )
        for name, rows in ex.items()
    }


def _inherited_validation(parent: Checkpoint, fingerprints: dict[str, str]) -> dict[str, Any]:
    """Validation losses already in the parent's run card, if measured on the same samples."""
    card = runs.read_card(parent.path) or {}
    data = card.get("data") if isinstance(card.get("data"), dict) else {}
    theirs = data.get("fingerprints") if isinstance(data.get("fingerprints"), dict) else {}
    same = all(theirs.get(k) == fingerprints[k] for k in ("val_symbolic", "val_general"))
    validation = card.get("validation")
    return dict(validation) if same and isinstance(validation, dict) else {}


@dataclass
class LoopState:
    """Counters the train loop advances (and a resume restores)."""

    step: int = 0
    tokens: int = 0
    real: int = 0
    elapsed: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)
    last_loss: float = math.nan

    def client(self) -> dict[str, Any]:
        """What a saved trainer state carries besides weights and optimizer."""
        return {
            "step": self.step,
            "tokens": self.tokens,
            "real_tokens": self.real,
            "elapsed": self.elapsed,
            "history": self.history,
        }


def _start_card(req: RunRequest, sp: StagePlan, ds_config: Any, dist: DistInfo) -> dict[str, Any]:
    """The run card as the run starts (``finished: false``)."""
    data, fingerprints = sp.data, sp.data.fingerprints()
    host = {
        "rank": dist.rank,
        "local_rank": dist.local_rank,
        "pid": os.getpid(),
        "host": socket.gethostname(),
    }
    return {
        "stage": req.stage,
        "run_name": sp.folder.name,
        "finished": False,
        "status": "running",
        "started_at": runs.utc_now(),
        "parent": {**sp.parent.to_dict()},
        "data": {
            "source": data.source,
            "fingerprint": fingerprints["train"],
            "fingerprints": fingerprints,
            "general_fraction": data.general_fraction,
            "mix_ratio": _ratio(data.n_symbolic, data.n_general),
            "symbolic_samples": data.n_symbolic,
            "general_samples": data.n_general,
            "encoding": sp.report.to_dict(),
            "overlong_policy": req.config.overlong,
            "validation_samples": {k: len(v) for k, v in sp.val_ex.items()},
        },
        "config": req.config.to_dict(),
        "deepspeed": ds_config,
        "world_size": dist.world,
        "ranks": distributed.gather(host),
        "code_version": code_version(),
        "plan": {
            "steps": sp.plan.total_steps,
            "rows_per_step": sp.rows_per_step,
            "rows_per_epoch": sp.plan.rows_per_epoch,
            "packing_efficiency": sp.plan.efficiency,
        },
    }


def _restore_or_validate(
    req: RunRequest, sp: StagePlan, engine: Any, card: dict, dist: DistInfo
) -> LoopState:
    """Resume: load the newest trainer state; else measure the parent's validation loss once."""
    if sp.resume:
        state_dir = runs.latest_state(sp.folder)
        client = engine.load_state(state_dir)
        try:
            state = LoopState(
                int(client["step"]),
                int(client["tokens"]),
                int(client["real_tokens"]),
                float(client["elapsed"]),
                list(client["history"]),
            )
        except (KeyError, TypeError, ValueError):
            raise UserError(
                f"{state_dir}: trainer state lacks its step counters; start over with --overwrite"
            ) from None
        old = runs.read_card(sp.folder) or {}
        card["started_at"] = old.get("started_at", card["started_at"])
        card["validation"] = old.get("validation", {})
        card["resumed_from_step"] = state.step
        log.info("resuming %s from step %d (%s)", sp.folder, state.step, state_dir)
        return state
    fps = sp.data.fingerprints()
    validation = _inherited_validation(sp.parent, fps) if req.stage == "infusion" else {}
    parent_role = "base" if req.stage == "injection" else "injection"
    if parent_role not in validation:
        validation[parent_role] = _validate(engine, sp.val_ex, req.config, dist, sp.tokenizer.pad_token_id)
    card["validation"] = validation
    return LoopState()


def _train_step(
    req: RunRequest, sp: StagePlan, engine: Any, state: LoopState, dist: DistInfo
) -> dict[str, Any]:
    """One optimizer step over this rank's micro-batches; returns the step's progress point."""
    cfg, s = req.config, req.config.stage(req.stage)
    kind, dtype = mask_kind(engine.module), mask_dtype(engine.module, cfg.autocast)
    t0 = time.perf_counter()
    rows = sp.plan.step_rows(state.step)
    step_trained, step_real = sp.plan.step_tokens(rows)
    micro = rank_micro_batches(rows, dist.rank, dist.world, s.micro_batch_rows)
    loss_sum = 0.0
    for k, mb in enumerate(micro):
        batch = collate_packed(
            sp.train_ex, mb, cfg.max_length, sp.tokenizer.pad_token_id, mask=kind, mask_dtype=dtype
        )
        loss, _ = forward_loss(engine.forward, batch, torch.device(dist.device), cfg.autocast)
        engine.backward(loss / max(1, step_trained))
        loss_sum += float(loss.detach())
        if k < len(micro) - 1:
            engine.micro_step()
    state.last_loss = distributed.all_reduce_sum([loss_sum])[0] / max(1, step_trained)
    if not math.isfinite(state.last_loss):
        engine.discard_gradients()
        good = runs.latest_state(sp.folder)
        where = f"the last good checkpoint is {good}" if good else "no checkpoint was saved yet"
        raise NonFiniteLoss(
            f"{req.stage} step {state.step + 1}: loss is {state.last_loss} (not finite); stopped without "
            f"applying it; {where}; lower {req.stage}.lr (or check the data) and rerun with --resume or --overwrite"
        )
    grad_norm = engine.optimizer_step()
    wall = time.perf_counter() - t0
    state.step += 1
    state.elapsed += wall
    state.tokens += step_trained
    state.real += step_real
    return {
        "step": state.step,
        "loss": state.last_loss,
        "lr": engine.lr(),
        "grad_norm": grad_norm,
        "tokens": state.tokens,
        "real_tokens_per_s": step_real / wall,
        "packing_efficiency": step_real / (len(rows) * cfg.max_length),
    }


def train_loop(
    req: RunRequest, sp: StagePlan, engine: Any, state: LoopState, card: dict, dist: DistInfo
) -> None:
    """Step 3, train: steps until the plan is done, with periodic validation and trainer states."""
    cfg, s, total = req.config, req.config.stage(req.stage), sp.plan.total_steps
    progress = Progress(
        sp.folder, dist, total, state.step, desc=f"{req.stage} {sp.folder.name}", log_every=s.log_every
    )
    try:
        while state.step < total:
            point = _train_step(req, sp, engine, state, dist)
            state.history.append({k: point[k] for k in ("step", "loss", "lr", "tokens")})
            progress.update(point)
            if cfg.eval.every_steps and state.step % cfg.eval.every_steps == 0 and state.step < total:
                val = _validate(engine, sp.val_ex, cfg, dist, sp.tokenizer.pad_token_id)
                progress.scalars("val", val, state.step)
            if s.save_every and state.step % s.save_every == 0 and state.step < total:
                runs.save_state(engine, sp.folder, state.step, state.client(), dist)
    except NonFiniteLoss as err:
        progress.close()
        if dist.main:
            runs.write_card(sp.folder, {**card, "status": "failed", "error": str(err)})
        raise UserError(str(err)) from None
    except UserError:
        progress.close()  # the bar ends its line, so the error is a line of its own
        raise
    progress.close()
    final_val = _validate(engine, sp.val_ex, cfg, dist, sp.tokenizer.pad_token_id)  # step 4, validate
    bad = {k: v for k, v in final_val.items() if isinstance(v, float) and not math.isfinite(v)}
    if bad:  # diverged weights are never published as a finished run
        msg = f"{req.stage}: validation loss after training is {bad}; the weights diverged; lower {req.stage}.lr"
        if dist.main:
            runs.write_card(sp.folder, {**card, "status": "failed", "error": msg})
        raise UserError(msg)
    progress.scalars("val", final_val, state.step)
    card["validation"][req.stage] = final_val
    progress.finish()


def publish(sp: StagePlan, engine: Any, state: LoopState, card: dict, started: float, dist: DistInfo) -> None:
    """Step 5, publish: the final weights, then the finished run card (the registry sees it only now)."""
    runs.save_final_model(engine, sp.tokenizer, sp.folder, dist)
    card.update(
        {
            "status": "finished",
            "steps": state.step,
            "tokens": state.tokens,
            "real_tokens": state.real,
            "train_seconds": state.elapsed,
            "real_tokens_per_s": state.real / state.elapsed if state.elapsed else None,
            "final_loss": state.last_loss,
            "history": state.history,
            "wall_time_s": time.time() - started,
        }
    )
    runs.remove_states(sp.folder, dist)
    card["finished"], card["finished_at"] = True, runs.utc_now()
    if dist.main:
        runs.write_card(sp.folder, card)
    distributed.barrier()


def run_stage(req: RunRequest, dist: DistInfo) -> dict[str, Any]:
    """Train one stage: plan → engine → (resume | parent validation) → train loop → publish.

    Returns the final run card (rank 0's view on every rank).
    """
    started = time.time()
    if req.config.threads:
        torch.set_num_threads(req.config.threads)
    torch.manual_seed(req.config.seed)
    target = runs.run_folder(req.stage, req.run_name or req.config.run_name or req.config.name, req.output)
    with runs.run_lock(target, dist):
        sp = plan_stage(req, dist)
        engine, ds_config = _build_engine(req, sp.parent, sp.plan.total_steps, dist)  # step 2, engine
        work = runs.open_folder(sp.folder, resume=sp.resume, dist=dist)
        card = _start_card(req, sp, ds_config, dist)
        sp = dataclasses.replace(sp, folder=work)  # an --overwrite run is built beside the old one
        state = _restore_or_validate(req, sp, engine, card, dist)
        if dist.main:
            runs.write_card(sp.folder, card)
        train_loop(req, sp, engine, state, card, dist)
        publish(sp, engine, state, card, started, dist)
        runs.swap_in(work, target, dist)
    return card


def _ratio(n_symbolic: int, n_general: int) -> str | None:
    """``"symbolic:general"`` sample counts reduced to one side (e.g. ``"1:0.43"``); None if no general."""
    return f"1:{n_general / n_symbolic:.3g}" if n_general and n_symbolic else None


class NonFiniteLoss(RuntimeError):
    """Raised inside the loop when a step's loss is NaN or infinite."""


def summary(card: dict[str, Any], folder: Path | None = None) -> str:
    """One paragraph for the terminal: losses, validation, throughput, where it is."""
    val = json.dumps(card.get("validation", {}), sort_keys=True)
    with contextlib.suppress(TypeError, ValueError):
        val = ", ".join(
            f"{role}: sym {v['symbolic']:.3f} / gen {v['general']:.3f}"
            for role, v in card.get("validation", {}).items()
        )
    return (
        f"{card['stage']} finished: {card['steps']} steps, {card['tokens']:,} trained tokens, final loss "
        f"{card['final_loss']:.4f}, {card.get('real_tokens_per_s') or 0:.0f} real tokens/s, "
        f"wall {card['wall_time_s']:.0f} s; validation {val}" + (f"; saved to {folder}" if folder else "")
    )
