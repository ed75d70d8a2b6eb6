"""Hostile class 1, code execution from a file: a planted pickle in a resume checkpoint never runs,
``state/latest.json`` cannot lead out of its run, and a broken or foreign trainer state is one line.

One unfinished cpu-tiny run is made in-process (a NaN at step 5 leaves ``state/step-4``); every
test tampers with its own copy and resumes it with the real CLI in a subprocess.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import torch
import yaml
from support.cli import REPO, run_module
from support.hostile import Planted, assert_clean

from symbolscope.errors import UserError, run_cli
from trainer import toydata
from trainer.config import CONFIG_DIR
from trainer.engine import DEEPSPEED_GLOBALS, check_deepspeed_checkpoint, load_trusted_state, set_rng_state

LIMIT_S = 120  # each CLI call below finishes well within this on the shared 2-core machine


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """An unfinished injection run with a resume checkpoint at step 4, and its config."""
    tmp = tmp_path_factory.mktemp("hostile-code")
    toy = toydata.write(
        tmp / "toy", {"symbolic_train": 40, "symbolic_test": 8, "general_train": 8, "general_test": 8}
    )
    cfg = yaml.safe_load((CONFIG_DIR / "cpu-tiny.yaml").read_text())
    cfg["data"]["collection"] = str(toy)
    cfg["max_length"] = 128
    cfg["eval"] = {"symbolic_samples": 4, "general_samples": 4, "batch_rows": 4}
    cfg["injection"].update(
        max_steps=6, save_every=2, log_every=2, micro_batch_rows=1, grad_accum=1, train_samples=0
    )
    path = tmp / "code.yaml"
    path.write_text(yaml.safe_dump(cfg))
    import trainer.loop as loop
    from trainer.__main__ import main

    real, calls = loop.forward_loss, {"n": 0}

    def nan_at_step_5(*args, **kwargs):
        loss, n = real(*args, **kwargs)
        calls["n"] += 1
        return (loss * float("nan"), n) if calls["n"] >= 5 else (loss, n)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loop, "forward_loss", nan_at_step_5)
        mp.setenv("SYMBOLSCOPE_RUNS", str(tmp / "runs"))
        assert run_cli(main, ["injection", "--config", str(path), "--run-name", "base"]) == 2
    run = tmp / "runs" / "injection" / "base"
    assert (run / "state" / "step-4" / "trainer_state.pt").is_file()
    return {"config": path, "run": run}


def _copy(made: dict[str, Path], tmp_path: Path, name: str = "victim") -> Path:
    dest = tmp_path / "runs" / "injection" / name
    shutil.copytree(made["run"], dest)
    return dest


def _resume(made: dict[str, Path], folder: Path) -> subprocess.CompletedProcess[str]:
    t0 = time.monotonic()
    proc = run_module(
        "trainer",
        "injection",
        "--config",
        str(made["config"]),
        "--output",
        str(folder),
        "--resume",
        env={"SYMBOLSCOPE_RUNS": str(folder.parent.parent)},
        timeout=LIMIT_S,
    )
    assert time.monotonic() - t0 < LIMIT_S
    return proc


def test_planted_pickle_in_trainer_state_never_runs(made, tmp_path) -> None:
    run = _copy(made, tmp_path)
    marker = tmp_path / "pwned"
    torch.save({"optimizer": Planted(marker), "client": {}}, run / "state" / "step-4" / "trainer_state.pt")
    assert_clean(_resume(made, run), says="predates the safe format")
    assert not marker.exists()
    assert (run / "state" / "step-4" / "weights.safetensors").is_file()  # nothing deleted


@pytest.mark.parametrize(
    "latest",
    [
        {"step": 4, "folder": "../../other/state/step-4"},
        ["step-4"],
        "{not json",
    ],
)
def test_latest_json_cannot_leave_its_run(made, tmp_path, latest) -> None:
    run = _copy(made, tmp_path)
    other = _copy(made, tmp_path, "other")
    marker = tmp_path / "pwned"
    torch.save({"optimizer": Planted(marker)}, other / "state" / "step-4" / "trainer_state.pt")
    text = latest if isinstance(latest, str) else json.dumps(latest)
    (run / "state" / "latest.json").write_text(text)
    assert_clean(_resume(made, run), says="latest.json")
    assert not marker.exists() and (other / "state" / "step-4").is_dir()


def test_symlinked_step_folder_is_refused(made, tmp_path) -> None:
    run = _copy(made, tmp_path)
    other = _copy(made, tmp_path, "other")
    shutil.rmtree(run / "state" / "step-4")
    (run / "state" / "step-4").symlink_to(other / "state" / "step-4")
    assert_clean(_resume(made, run), says="leaves the run folder")


@pytest.mark.parametrize("damage", ["truncated", "foreign", "bad-weights"])
def test_broken_resume_checkpoint_is_one_line(made, tmp_path, damage) -> None:
    run = _copy(made, tmp_path)
    step = run / "state" / "step-4"
    if damage == "truncated":
        data = (step / "trainer_state.pt").read_bytes()
        (step / "trainer_state.pt").write_bytes(data[: len(data) // 2])
    elif damage == "foreign":
        torch.save({"something": torch.zeros(2)}, step / "trainer_state.pt")
    else:
        (step / "weights.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00[1, 2]  ")
    assert_clean(_resume(made, run), says="safetensors" if damage == "bad-weights" else "--overwrite")


def test_resume_works_and_metrics_are_not_repeated(made, tmp_path) -> None:
    run = _copy(made, tmp_path)
    with open(run / "metrics.jsonl", "a") as fh:  # a step logged after the checkpoint, then killed
        fh.write(json.dumps({"step": 5, "loss": 1.0}) + "\n" + '{"step": 6, "lo')
    assert_clean(_resume(made, run), code=0, max_lines=50)  # progress bars and warnings on success
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == [2, 4, 6]  # log_every 2 honoured; the lines past the checkpoint were dropped
    card = json.loads((run / "symbolscope.json").read_text())
    assert card["finished"] and card["resumed_from_step"] == 4


def test_state_written_before_tensor_rng_still_resumes(tmp_path) -> None:
    """The older layout kept Python's RNG state as a tuple: it loads with weights_only and restores."""
    random.seed(7)
    old = {"python": random.getstate(), "torch": torch.get_rng_state()}
    expected = [random.random() for _ in range(3)]
    torch.save({"rng": old}, tmp_path / "old.pt")
    set_rng_state(load_trusted_state(tmp_path / "old.pt")["rng"])
    assert [random.random() for _ in range(3)] == expected


def test_deepspeed_checkpoint_with_foreign_globals_is_refused_unread(tmp_path) -> None:
    marker = tmp_path / "pwned"
    (tmp_path / "ckpt").mkdir()
    torch.save({"module": Planted(marker)}, tmp_path / "ckpt" / "mp_rank_00_model_states.pt")
    with pytest.raises(UserError, match="refusing to load"):
        check_deepspeed_checkpoint(tmp_path)
    assert not marker.exists()
    torch.save({"module": {"w": torch.zeros(1)}}, tmp_path / "ckpt" / "mp_rank_00_model_states.pt")
    check_deepspeed_checkpoint(tmp_path)  # plain tensors pass
    assert "deepspeed.runtime.zero.config.ZeroStageEnum" in DEEPSPEED_GLOBALS


def test_every_torch_load_is_weights_only() -> None:
    call = "torch.load" + "("
    out = subprocess.run(["git", "grep", "-n", call], cwd=REPO, capture_output=True, text=True, check=False)
    calls = out.stdout.splitlines()
    assert calls, "expected the trainer's loads to be found"
    for line in calls:
        assert "weights_only=True" in line, line
