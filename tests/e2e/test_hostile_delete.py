"""Hostile class 3, deleting outside what the suite owns: run names that escape ``runs/<stage>/``,
``--overwrite`` of a folder that is not a run (or of a run whose replacement fails), two trainings
with one name, and ``extract rm`` of anything that is not one of the suite's stores.

Every call is the real CLI in a subprocess; the victims are checked afterwards.
"""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pytest
import yaml
from support.cli import run_module
from support.hostile import assert_clean

from trainer import toydata
from trainer.config import CONFIG_DIR

LIMIT_S = 300  # per CLI call; the shared 2-core machine runs at a load of ~15 during the suite


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    return toydata.write(
        tmp_path_factory.mktemp("toy"),
        {"symbolic_train": 24, "symbolic_test": 4, "general_train": 4, "general_test": 4},
    )


def _config(folder: Path, toy: Path, **injection) -> Path:
    cfg = yaml.safe_load((CONFIG_DIR / "cpu-tiny.yaml").read_text())
    cfg["data"]["collection"] = str(toy)
    cfg["max_length"] = 128
    cfg["eval"] = {"symbolic_samples": 2, "general_samples": 2, "batch_rows": 2}
    cfg["injection"].update(max_steps=2, save_every=0, micro_batch_rows=1, grad_accum=1, **injection)
    path = folder / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _victims(runs: Path) -> dict[Path, str]:
    """A finished sibling run, a file outside runs/, and a file beside runs/<stage>/."""
    files = {
        runs / "injection" / "sibling" / "symbolscope.json": json.dumps(
            {"stage": "injection", "finished": True}
        ),
        runs.parent / "outside" / "keep.txt": "mine",
        runs / "injection" / "keep.txt": "mine",
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return files


def _intact(files: dict[Path, str]) -> None:
    for path, text in files.items():
        assert path.read_text() == text, path


def _train(runs: Path, *args: str) -> object:
    return run_module("trainer", "injection", *args, env={"SYMBOLSCOPE_RUNS": str(runs)}, timeout=LIMIT_S)


@pytest.mark.parametrize("name", [".", "..", "../../outside", "a/b", "", "-x", ".hidden"])
def test_run_name_must_be_one_safe_folder_name(tmp_path, toy, name) -> None:
    runs = tmp_path / "runs"
    files = _victims(runs)
    cfg = _config(tmp_path, toy)
    assert_clean(_train(runs, "--config", str(cfg), f"--run-name={name}", "--overwrite"), says="run name")
    _intact(files)


def test_run_name_in_config_must_be_safe(tmp_path, toy) -> None:
    runs = tmp_path / "runs"
    files = _victims(runs)
    cfg = _config(tmp_path, toy)
    data = yaml.safe_load(cfg.read_text())
    cfg.write_text(yaml.safe_dump({**data, "run_name": "../../outside"}))
    assert_clean(_train(runs, "--config", str(cfg), "--overwrite"), says="run_name")
    _intact(files)


def test_overwrite_refuses_a_folder_without_a_run_card(tmp_path, toy) -> None:
    runs = tmp_path / "runs"
    victim = tmp_path / "photos"
    victim.mkdir()
    (victim / "holiday.jpg").write_bytes(b"\xff\xd8 not yours")
    (victim / "symbolscope.json").write_text("{}")  # a card-named file that is no run card
    cfg = _config(tmp_path, toy)
    proc = _train(runs, "--config", str(cfg), "--output", str(victim), "--overwrite")
    assert_clean(proc, says="no run card of this suite")
    assert (victim / "holiday.jpg").read_bytes() == b"\xff\xd8 not yours"
    for bad in (tmp_path / "afile", Path("/")):
        if bad.name:
            bad.write_text("x")
        assert_clean(_train(runs, "--config", str(cfg), "--output", str(bad), "--overwrite"))
    assert (tmp_path / "afile").read_text() == "x"


def test_overwrite_keeps_the_old_run_until_the_new_one_succeeded(tmp_path, toy) -> None:
    runs = tmp_path / "runs"
    old = runs / "injection" / "cfg"
    old.mkdir(parents=True)
    card = {"stage": "injection", "finished": True, "finished_at": "2020", "run_name": "cfg"}
    (old / "symbolscope.json").write_text(json.dumps(card))
    (old / "model.safetensors").write_bytes(b"old weights")
    failing = _config(tmp_path, toy, lr=1.0e30)  # the second step's loss is not finite
    # it fails after training started: progress bars precede the one error line
    assert_clean(_train(runs, "--config", str(failing), "--overwrite"), says="weights diverged", max_lines=50)
    assert (old / "model.safetensors").read_bytes() == b"old weights"
    assert json.loads((old / "symbolscope.json").read_text()) == card
    good = _config(tmp_path, toy)
    assert_clean(_train(runs, "--config", str(good), "--overwrite"), code=0, max_lines=50)
    new = json.loads((old / "symbolscope.json").read_text())
    assert new["finished"] and new["run_name"] == "cfg" and new["steps"] == 2
    assert (old / "model.safetensors").read_bytes() != b"old weights"
    assert sorted(p.name for p in (runs / "injection").iterdir() if not p.name.endswith(".lock")) == ["cfg"]


def test_two_trainings_with_one_name_do_not_touch_each_other(tmp_path, toy) -> None:
    runs = tmp_path / "runs"
    folder = runs / "injection" / "cfg"
    folder.mkdir(parents=True)
    (folder / "symbolscope.json").write_text(json.dumps({"stage": "injection", "finished": False}))
    cfg = _config(tmp_path, toy)
    with open(runs / "injection" / ".cfg.lock", "a+") as held:  # what a running training holds
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert_clean(_train(runs, "--config", str(cfg), "--overwrite"), says="another process")
    assert json.loads((folder / "symbolscope.json").read_text()) == {"stage": "injection", "finished": False}


def _manifest(n: int = 1) -> dict:
    return {
        "format": 2,
        "checkpoint": {"fingerprint": "f" * 16, "alias": "tiny"},
        "dataset": {"fingerprint": "d"},
        "layers": [0],
        "sample_ids": ["a"] * n,
        "families": ["sql"] * n,
        "tasks": ["t"] * n,
        "evol_of": [None] * n,
        "shards": [],
        "num_layers": 2,
        "hidden_size": 4,
    }


def _rm(home: Path, *args: str) -> object:
    return run_module("analysis.extract", "rm", *args, home=home, timeout=LIMIT_S)


def test_extract_rm_removes_only_suite_stores_under_the_store_root(tmp_path) -> None:
    home = tmp_path / "home"
    root = home / "store"
    ours = root / "ffff-dddd-symbol-mean-float32-f2"
    ours.mkdir(parents=True)
    (ours / "manifest.json").write_text(json.dumps(_manifest()))
    outside = tmp_path / "project"
    outside.mkdir()
    (outside / "manifest.json").write_text(json.dumps(_manifest()))  # a store-like folder elsewhere
    fake = root / "not-a-store"
    fake.mkdir()
    (fake / "manifest.json").write_text("{}")
    (root / "linked").symlink_to(outside)
    for target in ("", " ", ".", "..", str(outside), str(fake), "not-a-store", "linked", str(root)):
        assert_clean(_rm(home, target))
    assert (outside / "manifest.json").is_file() and (fake / "manifest.json").is_file() and ours.is_dir()
    assert_clean(_rm(home, ours.name), code=0)
    assert not ours.exists() and (outside / "manifest.json").is_file()
