"""Step 1 of a stage, plan: what the CLI asked for (:class:`RunRequest`), the parent checkpoint,
the run folder, the data encoded with the parent's chat template and the packed-row plan
(:class:`StagePlan`). Nothing is trained here: :mod:`trainer.loop` runs the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lm.checkpoints import Checkpoint, load_tokenizer, resolve
from lm.masking import encode_examples
from symbolscope.distributed import DistInfo
from symbolscope.errors import UserError
from trainer import runs
from trainer.config import TrainConfig, grad_accum_for
from trainer.engine import check_resume_files
from trainer.plan import Plan
from trainer.sources import StageData, stage_data

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


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


@dataclass
class StagePlan:
    """Step 1's output: where the run goes, what it trains on, and the packed-row plan."""

    parent: Checkpoint
    folder: Path
    resume: bool
    tokenizer: PreTrainedTokenizerBase
    data: StageData
    train_ex: list[Any]
    report: Any
    val_ex: dict[str, list[Any]]
    rows_per_step: int
    plan: Plan


def plan_stage(req: RunRequest, dist: DistInfo) -> StagePlan:
    """Step 1, plan: parent, run folder, data encoded with the parent's chat template, packed rows."""
    cfg, stage = req.config, req.stage
    s = cfg.stage(stage)
    parent = parent_checkpoint(req)
    folder = runs.run_folder(stage, req.run_name or cfg.run_name or cfg.name, req.output)
    resume = runs.check_folder(folder, resume=req.resume, overwrite=req.overwrite)
    if resume:
        check_resume_files(runs.latest_state(folder))  # before the model and data are loaded
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
    return StagePlan(parent, folder, resume, tokenizer, data, train_ex, report, val_ex, rows_per_step, plan)
