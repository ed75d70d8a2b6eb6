"""``python -m trainer {injection,infusion} --config NAME [options]``.

Single process::

    python -m trainer injection --config cpu-smollm
    python -m trainer infusion  --config cpu-smollm          # from the newest finished Injection run

DeepSpeed ZeRO over N processes (CPU/gloo or GPUs/NCCL)::

    torchrun --nproc_per_node=N -m trainer injection --config llama2-7b-zero3
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from symbolscope.errors import run_cli
from trainer.config import STAGES, check_run_name, load_config


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line (see module docstring)."""
    p = argparse.ArgumentParser(prog="python -m trainer", description="Symbol-LLM two-stage SFT.")
    p.add_argument("stage", choices=STAGES, help="injection (symbolic only) or infusion (symbolic + general)")
    p.add_argument("--config", required=True, help="config name in trainer/configs (e.g. cpu-tiny) or a path")
    p.add_argument(
        "--from",
        dest="parent",
        default=None,
        help="parent checkpoint (alias or path); default: the config's model for injection, "
        "the newest finished injection run for infusion",
    )
    p.add_argument(
        "--run-name", default=None, help="run folder name under runs/<stage>/ (default: config name)"
    )
    p.add_argument("--output", default=None, help="explicit run folder (overrides runs/<stage>/<run-name>)")
    p.add_argument(
        "--resume", action="store_true", help="continue an unfinished run from its last checkpoint"
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace a finished or unfinished run in the folder"
    )
    p.add_argument("--deepspeed", default=None, help="DeepSpeed JSON (name in trainer/configs or path)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    cfg = load_config(args.config)
    if args.run_name is not None:
        check_run_name(args.run_name)
    from symbolscope.distributed import init_distributed
    from trainer.loop import run_stage, summary
    from trainer.runs import run_folder
    from trainer.stageplan import RunRequest

    dist = init_distributed(deepspeed=True)
    req = RunRequest(
        stage=args.stage,
        config=cfg,
        parent=args.parent,
        run_name=args.run_name,
        output=args.output,
        resume=args.resume,
        overwrite=args.overwrite,
        deepspeed=args.deepspeed,
    )
    card = run_stage(req, dist)
    if dist.main:
        folder = run_folder(args.stage, card["run_name"], args.output)
        print(summary(card, folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
