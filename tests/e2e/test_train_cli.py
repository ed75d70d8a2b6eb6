"""The CLI end to end on cpu-tiny: both stages, run folders and cards, the registry, bad input."""

from __future__ import annotations

import json
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

LONG = {
    "id": "long-1",
    "task": "toy",
    "family": "sql",
    "instruction": "Select all.",
    "input": "",
    "output": "SELECT " + ", ".join(f"column_{i}" for i in range(120)) + " FROM t;",
    "source": "test",
}


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    folder = toydata.write(
        tmp_path_factory.mktemp("toy"),
        {"symbolic_train": 80, "symbolic_test": 16, "general_train": 80, "general_test": 16},
    )
    with open(folder / "symbolic_train.jsonl", "a") as fh:
        fh.write(json.dumps(LONG) + "\n")
    return folder


def write_config(folder: Path, toy: Path, name: str = "tiny", **overrides) -> Path:
    cfg = yaml.safe_load((CONFIG_DIR / "cpu-tiny.yaml").read_text())
    cfg["data"]["collection"] = str(toy)
    for key, value in overrides.items():
        section, _, leaf = key.partition("__")
        if leaf:
            cfg.setdefault(section, {})[leaf] = value
        else:
            cfg[section] = value
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture
def runs(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SYMBOLSCOPE_RUNS", str(tmp_path / "runs"))
    return tmp_path / "runs"


def cli(*argv: str) -> int:
    return run_cli(main, list(argv))


def test_both_stages_end_to_end(tmp_path, toy, runs, capsys) -> None:
    cfg = write_config(tmp_path, toy, max_length=128)
    assert cli("injection", "--config", str(cfg)) == 0
    inj = runs / "injection" / "tiny"
    card = json.loads((inj / RUN_CARD).read_text())
    assert card["finished"] is True and card["stage"] == "injection" and card["steps"] == 8
    assert card["parent"]["fingerprint"] == resolve("tiny").fingerprint
    assert card["data"]["encoding"]["truncated"] == 1 and card["data"]["encoding"]["overlong_ids"] == [
        "long-1"
    ]
    assert set(card["validation"]) == {"base", "injection"}
    assert card["tokens"] > 0 and card["wall_time_s"] > 0 and len(card["history"]) == 8
    assert not (inj / "state").exists() and list((inj / "tb").iterdir())
    assert resolve("injection").path == inj.resolve() or resolve("injection").path == inj

    assert cli("infusion", "--config", str(cfg)) == 0
    inf = runs / "infusion" / "tiny"
    card2 = json.loads((inf / RUN_CARD).read_text())
    assert card2["parent"]["fingerprint"] == resolve("injection").fingerprint
    assert card2["data"]["general_fraction"] == 0.5 and card2["data"]["mix_ratio"] == "1:1"
    assert card2["data"]["general_samples"] == card2["data"]["symbolic_samples"] > 0
    assert set(card2["validation"]) == {"base", "injection", "infusion"}
    assert card2["validation"]["injection"] == card["validation"]["injection"]
    ours = resolve("ours")
    assert Path(ours.path).resolve() == inf.resolve()
    model = load_model(ours)  # a normal model folder
    weights = load_file(inf / "model.safetensors")
    assert torch.equal(model.state_dict()["model.norm.weight"], weights["model.norm.weight"])
    assert "infusion finished" in capsys.readouterr().out


def test_finished_run_is_not_overwritten_without_flag(tmp_path, toy, runs, capsys) -> None:
    cfg = write_config(tmp_path, toy, injection__max_steps=1, injection__save_every=0)
    assert cli("injection", "--config", str(cfg)) == 0
    card = (runs / "injection" / "tiny" / RUN_CARD).read_bytes()
    assert cli("injection", "--config", str(cfg)) == 2
    assert "holds a finished injection run; pass --overwrite" in capsys.readouterr().err
    assert (runs / "injection" / "tiny" / RUN_CARD).read_bytes() == card
    assert cli("injection", "--config", str(cfg), "--overwrite") == 0
    assert (runs / "injection" / "tiny" / RUN_CARD).read_bytes() != card


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"learning_rate": 1}, "unknown key 'learning_rate'"),
        ({"injection__lrate": 1}, "unknown key 'injection.lrate'"),
        ({"max_length": "long"}, "'max_length' must be int"),
        ({"injection__lr": "fast"}, "'injection.lr' must be float"),
        ({"overlong": "ignore"}, "'overlong' must be 'truncate' | 'drop'"),
    ],
)
def test_bad_config(tmp_path, toy, runs, capsys, overrides, message) -> None:
    cfg = write_config(tmp_path, toy, **overrides)
    assert cli("injection", "--config", str(cfg)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and str(cfg) in err and err.count("\n") == 1
    assert not runs.exists()


def test_unknown_config_name(runs, capsys) -> None:
    assert cli("injection", "--config", "no-such-config") == 2
    assert "no such config" in capsys.readouterr().err


def test_missing_data_set(tmp_path, toy, runs, capsys) -> None:
    cfg = write_config(tmp_path, tmp_path / "nowhere")
    assert cli("injection", "--config", str(cfg)) == 2
    assert "nowhere" in capsys.readouterr().err
    (tmp_path / "partial").mkdir()
    cfg = write_config(tmp_path, tmp_path / "partial")
    assert cli("injection", "--config", str(cfg)) == 2
    assert "symbolic_train.jsonl: file not found" in capsys.readouterr().err
    assert not runs.exists() or not any(runs.rglob(RUN_CARD))


def test_missing_base_checkpoint(tmp_path, toy, runs, capsys) -> None:
    cfg = write_config(tmp_path, toy, model=str(tmp_path / "no-model"))
    assert cli("injection", "--config", str(cfg)) == 2
    assert "no-model" in capsys.readouterr().err
    assert cli("infusion", "--config", str(cfg)) == 2  # no finished injection run yet
    assert "no finished injection run" in capsys.readouterr().err
    assert not runs.exists() or not any(runs.rglob(RUN_CARD))


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, toy, runs, capsys, monkeypatch) -> None:
    import trainer.loop as loop

    real = loop.forward_loss
    calls = {"n": 0}

    def poisoned(*args, **kwargs):
        loss, n = real(*args, **kwargs)
        calls["n"] += 1
        return (
            (loss * float("nan"), n) if calls["n"] > 8 else (loss, n)
        )  # 2 micro-batches a step: NaN at step 5

    monkeypatch.setattr(loop, "forward_loss", poisoned)
    cfg = write_config(tmp_path, toy, max_length=128, injection__save_every=2)
    assert cli("injection", "--config", str(cfg)) == 2
    err = capsys.readouterr().err
    folder = runs / "injection" / "tiny"
    assert "loss is nan" in err and "last good checkpoint" in err and str(folder / "state" / "step-4") in err
    card = json.loads((folder / RUN_CARD).read_text())
    assert card["finished"] is False and card["status"] == "failed"
    assert (folder / "state" / "step-4" / "weights.safetensors").is_file()
    assert not (folder / "model.safetensors").exists()
    with pytest.raises(Exception, match="no finished injection run"):
        resolve("injection")
