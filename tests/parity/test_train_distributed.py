"""Item 6: the same trainer under DeepSpeed ZeRO-2 and ZeRO-3 with 2 CPU processes (gloo).

Launch path: ``torchrun --standalone --nproc_per_node=2 -m trainer ... --deepspeed zeroN``
(torchrun gives every process its own RANK/LOCAL_RANK; the run card records them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file

from lm.checkpoints import RUN_CARD, load_model, resolve
from symbolscope.errors import run_cli
from trainer import toydata
from trainer.__main__ import main
from trainer.config import CONFIG_DIR

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dist")
    toy = toydata.write(
        tmp / "toy", {"symbolic_train": 60, "symbolic_test": 12, "general_train": 8, "general_test": 12}
    )
    cfg = yaml.safe_load((CONFIG_DIR / "cpu-tiny.yaml").read_text())
    cfg["data"]["collection"] = str(toy)
    cfg["max_length"] = 128
    # 4 rows per optimizer step whatever the world size: 1 process x 4 accumulation = 2 x 2.
    cfg["injection"].update(micro_batch_rows=1, global_batch_rows=4, max_steps=6, save_every=0)
    path = tmp / "dist.yaml"
    path.write_text(yaml.safe_dump(cfg))
    runs = tmp / "runs"
    os.environ["SYMBOLSCOPE_RUNS"] = str(runs)
    try:
        assert run_cli(main, ["injection", "--config", str(path), "--run-name", "single"]) == 0
    finally:
        del os.environ["SYMBOLSCOPE_RUNS"]
    return path, runs


@pytest.mark.slow
@pytest.mark.parametrize("zero", ["zero2", "zero3"])
def test_two_process_deepspeed_matches_single_process(setup, zero: str) -> None:
    cfg, runs = setup
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "trainer",
        "injection",
        "--config",
        str(cfg),
        "--deepspeed",
        zero,
        "--run-name",
        zero,
    ]
    env = {**os.environ, "SYMBOLSCOPE_RUNS": str(runs)}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("injection finished") == 1  # only rank 0 reports

    single = json.loads((runs / "injection" / "single" / RUN_CARD).read_text())
    card = json.loads((runs / "injection" / zero / RUN_CARD).read_text())
    assert card["finished"] and card["world_size"] == 2
    assert [r["rank"] for r in card["ranks"]] == [0, 1] and len({r["pid"] for r in card["ranks"]}) == 2
    assert card["deepspeed"]["zero_optimization"]["stage"] == int(zero[-1])
    assert (
        card["deepspeed"]["train_batch_size"] == 4 and card["deepspeed"]["gradient_accumulation_steps"] == 2
    )
    assert card["tokens"] == single["tokens"]
    ref = [h["loss"] for h in single["history"]]
    assert [h["loss"] for h in card["history"]] == pytest.approx(ref, rel=1e-4)
    for role in ("base", "injection"):
        for split in ("symbolic", "general"):
            assert card["validation"][role][split] == pytest.approx(
                single["validation"][role][split], rel=1e-4
            )

    # Final weights: gathered to one normal safetensors folder, equal to the 1-process result.
    folder = runs / "injection" / zero
    got, want = (
        load_file(folder / "model.safetensors"),
        load_file(runs / "injection" / "single" / "model.safetensors"),
    )
    assert got.keys() == want.keys()
    assert max(float((got[k] - want[k]).abs().max()) for k in got) < 1e-4
    loaded = load_model(resolve(str(folder))).state_dict()  # what the registry serves for the run
    shared = [k for k in want if k in loaded]
    assert shared and all(torch.allclose(loaded[k], want[k], atol=1e-4) for k in shared)

    # Writes happen on rank 0 only: TensorBoard files carry rank 0's pid, and the folder holds
    # exactly what a 1-process run writes.
    rank0 = card["ranks"][0]["pid"]
    events = list((folder / "tb").iterdir())
    assert events and all(e.name.split(".")[-2] == str(rank0) for e in events)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        p.name for p in (runs / "injection" / "single").iterdir()
    )
    assert len((folder / "metrics.jsonl").read_text().splitlines()) == 6
