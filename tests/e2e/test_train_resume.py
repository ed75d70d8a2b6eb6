"""Item 5: a cpu-tiny run killed with SIGKILL mid-way and resumed ends with the same weights."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from safetensors.torch import load_file

from lm.checkpoints import RUN_CARD
from symbolscope.errors import run_cli
from trainer import toydata
from trainer.__main__ import main
from trainer.config import CONFIG_DIR

ROOT = Path(__file__).resolve().parents[2]
STEPS = 18


def _config(tmp_path: Path) -> Path:
    toy = toydata.write(
        tmp_path / "toy", {"symbolic_train": 120, "symbolic_test": 8, "general_train": 8, "general_test": 8}
    )
    cfg = yaml.safe_load((CONFIG_DIR / "cpu-tiny.yaml").read_text())
    cfg["data"]["collection"] = str(toy)
    cfg["max_length"] = 128
    cfg["eval"] = {"symbolic_samples": 4, "general_samples": 4, "batch_rows": 4}
    cfg["injection"].update(max_steps=STEPS, save_every=3, micro_batch_rows=1, grad_accum=2, train_samples=0)
    path = tmp_path / "resume.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.mark.slow
def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path, monkeypatch) -> None:
    cfg = _config(tmp_path)
    runs = tmp_path / "runs"
    monkeypatch.setenv("SYMBOLSCOPE_RUNS", str(runs))
    env = {**os.environ, "SYMBOLSCOPE_RUNS": str(runs)}

    # The run to be killed: a separate process, SIGKILLed once a mid-run checkpoint exists.
    cmd = [sys.executable, "-m", "trainer", "injection", "--config", str(cfg), "--run-name", "killed"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    latest = runs / "injection" / "killed" / "state" / "latest.json"
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if latest.is_file() and json.loads(latest.read_text())["step"] >= 6:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    assert proc.wait(timeout=60) == -signal.SIGKILL, "the run finished (or failed) before it could be killed"
    killed_at = json.loads(latest.read_text())["step"]
    assert 6 <= killed_at < STEPS
    assert not (runs / "injection" / "killed" / "model.safetensors").exists()

    # Without --resume the unfinished folder is refused; with it training continues.
    assert run_cli(main, ["injection", "--config", str(cfg), "--run-name", "killed"]) == 2
    assert run_cli(main, ["injection", "--config", str(cfg), "--run-name", "killed", "--resume"]) == 0
    card = json.loads((runs / "injection" / "killed" / RUN_CARD).read_text())
    assert card["finished"] and card["steps"] == STEPS and card["resumed_from_step"] >= killed_at
    assert [h["step"] for h in card["history"]] == list(range(1, STEPS + 1))

    assert run_cli(main, ["injection", "--config", str(cfg), "--run-name", "straight"]) == 0
    straight = json.loads((runs / "injection" / "straight" / RUN_CARD).read_text())
    assert [h["loss"] for h in straight["history"]] == pytest.approx(
        [h["loss"] for h in card["history"]], rel=1e-6
    )

    a = load_file(runs / "injection" / "killed" / "model.safetensors")
    b = load_file(runs / "injection" / "straight" / "model.safetensors")
    assert a.keys() == b.keys()
    worst = max(float((a[k] - b[k]).abs().max()) for k in a)
    assert worst <= 1e-6, worst
    # And the training did move the weights (the comparison is not trivially true).
    base = load_file(Path(card["parent"]["path"]) / "model.safetensors")
    assert max(float((a[k] - base[k]).abs().max()) for k in a if k in base) > 1e-3
