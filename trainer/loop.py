"""Run one stage end to end: parent checkpoint → data → packed plan → training → run folder.

Single process: plain PyTorch. Under ``torchrun`` with a DeepSpeed config: ZeRO-2/3 over all
ranks, same plan and same normalisation, so the losses match the 1-process run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from analysis.checkpoints import Checkpoint, load_model, load_tokenizer, resolve
from trainer import distributed, runs
from trainer.config import TrainConfig, deepspeed_path, grad_accum_for
from trainer.data.errors import UserError, get_logger
from trainer.data.version import code_version
from trainer.distributed import DistInfo
from trainer.evaluate import mask_dtype, mask_kind, validation_loss
from trainer.forward import forward_loss
from trainer.masking import encode_examples
from trainer.packing import collate_packed
from trainer.plan import Plan, rank_micro_batches
from trainer.progress import Progress
from trainer.sources import stage_data

log = get_logger(__name__)


@dataclass(frozen=True)
class RunRequest:
    """What the CLI asked for."""

    stage: str
    config: TrainConfig
    parent: str | None = None  # --from (infusion) ; None = config model / newest injection
    run_name: str | None = None
    output: str | None = None
    resume: bool = False
    overwrite: bool = False
    deepspeed: str | None = None


def parent_checkpoint(req: RunRequest) -> Checkpoint:
    """Injection starts from the config's model; Infusion from ``--from`` or the newest Injection."""
    if req.stage == "injection":
        return resolve(req.parent or req.config.model)
    return resolve(req.parent or "injection")


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
    theirs = card.get("data", {}).get("fingerprints", {})
    same = all(theirs.get(k) == fingerprints[k] for k in ("val_symbolic", "val_general"))
    return dict(card.get("validation", {})) if same else {}


def run_stage(req: RunRequest, dist: DistInfo) -> dict[str, Any]:
    """Train one stage; returns the final run card (rank 0's view on every rank)."""
    cfg, stage = req.config, req.stage
    s = cfg.stage(stage)
    started = time.time()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    parent = parent_checkpoint(req)
    name = req.run_name or cfg.run_name or cfg.name
    folder = runs.run_folder(stage, name, req.output)
    resume = runs.check_folder(folder, resume=req.resume, overwrite=req.overwrite)

    tokenizer = load_tokenizer(parent)
    data = stage_data(cfg, stage)
    train_ex, report = encode_examples(tokenizer, data.train, cfg.max_length, cfg.overlong)
    if not train_ex:
        raise UserError(f"{stage}: no training sample left after encoding ({report.to_dict()})")
    val_ex = {
        "symbolic": encode_examples(tokenizer, data.val_symbolic, cfg.max_length, "truncate")[0],
        "general": encode_examples(tokenizer, data.val_general, cfg.max_length, "truncate")[0],
    }
    rows_per_step = s.micro_batch_rows * grad_accum_for(s, dist.world, cfg.source) * dist.world
    plan = Plan(
        [len(e) for e in train_ex],
        [e.n_trainable for e in train_ex],
        cfg.max_length,
        rows_per_step,
        cfg.seed,
        s.epochs,
        s.max_steps,
    )
    total = plan.total_steps
    engine, ds_config = _build_engine(req, parent, total, dist)
    runs.open_folder(folder, resume=resume, dist=dist)
    pad = tokenizer.pad_token_id

    fingerprints = data.fingerprints()
    card: dict[str, Any] = {
        "stage": stage,
        "run_name": folder.name,
        "finished": False,
        "status": "running",
        "started_at": runs.utc_now(),
        "parent": {**parent.to_dict()},
        "data": {
            "source": data.source,
            "fingerprint": fingerprints["train"],
            "fingerprints": fingerprints,
            "general_fraction": data.general_fraction,
            "mix_ratio": _ratio(data.n_symbolic, data.n_general),
            "symbolic_samples": data.n_symbolic,
            "general_samples": data.n_general,
            "encoding": report.to_dict(),
            "overlong_policy": cfg.overlong,
            "validation_samples": {k: len(v) for k, v in val_ex.items()},
        },
        "config": cfg.to_dict(),
        "deepspeed": ds_config,
        "world_size": dist.world,
        "ranks": distributed.gather(
            {
                "rank": dist.rank,
                "local_rank": dist.local_rank,
                "pid": os.getpid(),
                "host": socket.gethostname(),
            }
        ),
        "code_version": code_version(),
        "plan": {
            "steps": total,
            "rows_per_step": rows_per_step,
            "rows_per_epoch": plan.rows_per_epoch,
            "packing_efficiency": plan.efficiency,
        },
    }
    step, tokens, real, elapsed, history = 0, 0, 0, 0.0, []
    if resume:
        state_dir = runs.latest_state(folder)
        client = engine.load_state(state_dir)
        step, tokens, real, elapsed, history = (
            client["step"],
            client["tokens"],
            client["real_tokens"],
            client["elapsed"],
            client["history"],
        )
        old = runs.read_card(folder) or {}
        card["started_at"] = old.get("started_at", card["started_at"])
        card["validation"] = old.get("validation", {})
        card["resumed_from_step"] = step
        log.info("resuming %s from step %d (%s)", folder, step, state_dir)
    else:
        validation = _inherited_validation(parent, fingerprints) if stage == "infusion" else {}
        parent_role = "base" if stage == "injection" else "injection"
        if parent_role not in validation:
            validation[parent_role] = _validate(engine, val_ex, cfg, dist, pad)
        card["validation"] = validation
    if dist.main:
        runs.write_card(folder, card)

    progress = Progress(folder, dist, total, step, desc=f"{stage} {folder.name}")
    kind, dtype = mask_kind(engine.module), mask_dtype(engine.module, cfg.autocast)
    device = torch.device(dist.device)
    last_loss = math.nan
    try:
        while step < total:
            t0 = time.perf_counter()
            rows = plan.step_rows(step)
            step_trained, step_real = plan.step_tokens(rows)
            micro = rank_micro_batches(rows, dist.rank, dist.world, s.micro_batch_rows)
            loss_sum = 0.0
            for k, mb in enumerate(micro):
                batch = collate_packed(train_ex, mb, cfg.max_length, pad, mask=kind, mask_dtype=dtype)
                loss, _ = forward_loss(engine.forward, batch, device, cfg.autocast)
                engine.backward(loss / max(1, step_trained))
                loss_sum += float(loss.detach())
                if k < len(micro) - 1:
                    engine.micro_step()
            last_loss = distributed.all_reduce_sum([loss_sum])[0] / max(1, step_trained)
            if not math.isfinite(last_loss):
                engine.discard_gradients()
                good = runs.latest_state(folder)
                where = f"the last good checkpoint is {good}" if good else "no checkpoint was saved yet"
                raise NonFiniteLoss(
                    f"{stage} step {step + 1}: loss is {last_loss} (not finite); stopped without applying it; "
                    f"{where}; lower {stage}.lr (or check the data) and rerun with --resume or --overwrite"
                )
            grad_norm = engine.optimizer_step()
            step += 1
            wall = time.perf_counter() - t0
            elapsed += wall
            tokens += step_trained
            real += step_real
            point = {
                "step": step,
                "loss": last_loss,
                "lr": engine.lr(),
                "grad_norm": grad_norm,
                "tokens": tokens,
                "real_tokens_per_s": step_real / wall,
                "packing_efficiency": step_real / (len(rows) * cfg.max_length),
            }
            history.append({k: point[k] for k in ("step", "loss", "lr", "tokens")})
            progress.update(point)
            if cfg.eval.every_steps and step % cfg.eval.every_steps == 0 and step < total:
                progress.scalars("val", _validate(engine, val_ex, cfg, dist, pad), step)
            if s.save_every and step % s.save_every == 0 and step < total:
                client = {
                    "step": step,
                    "tokens": tokens,
                    "real_tokens": real,
                    "elapsed": elapsed,
                    "history": history,
                }
                runs.save_state(engine, folder, step, client, dist)
    except NonFiniteLoss as err:
        progress.close()
        if dist.main:
            runs.write_card(folder, {**card, "status": "failed", "error": str(err)})
        raise UserError(str(err)) from None
    progress.close()

    final_val = _validate(engine, val_ex, cfg, dist, pad)
    progress.scalars("val", final_val, step)
    card["validation"][stage] = final_val
    runs.save_final_model(engine, tokenizer, folder, dist)
    card.update(
        {
            "status": "finished",
            "steps": step,
            "tokens": tokens,
            "real_tokens": real,
            "train_seconds": elapsed,
            "real_tokens_per_s": real / elapsed if elapsed else None,
            "final_loss": last_loss,
            "history": history,
            "wall_time_s": time.time() - started,
        }
    )
    progress.finish()
    runs.remove_states(folder, dist)
    card["finished"], card["finished_at"] = True, runs.utc_now()
    if dist.main:
        runs.write_card(folder, card)  # last: the registry sees the run only now
    distributed.barrier()
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
