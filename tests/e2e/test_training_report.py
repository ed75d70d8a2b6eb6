"""``python -m trainer.report`` on a real cpu-tiny Injection run, and the ``training`` figure from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import run_module
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import figures
from symbolscope.results import Result


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A finished cpu-tiny Injection run in a temporary runs folder (about half a minute)."""
    runs = tmp_path_factory.mktemp("train") / "runs"
    res = run_module("trainer", "injection", "--config", "cpu-tiny", env={"SYMBOLSCOPE_RUNS": str(runs)})
    assert res.returncode == 0, res.stderr[-2000:]
    return runs


def _report(runs: Path, out: Path) -> Result:
    res = run_module("trainer.report", "--runs", str(runs), "--out", str(out))
    assert res.returncode == 0, res.stderr
    return Result.latest(out, "training")


def test_report_holds_the_cards_losses_and_the_figure_plots_them(trained: Path, tmp_path: Path) -> None:
    card = json.loads((trained / "injection" / "cpu-tiny" / "symbolscope.json").read_text())
    result = _report(trained, tmp_path)
    assert result.config["cards"].keys() == {"injection/cpu-tiny"}
    losses = sorted((r["step"], r["value"]) for r in result.where(metric="train/loss", source="card"))
    assert losses == [(h["step"], h["loss"]) for h in card["history"]]
    assert len(losses) == card["steps"]
    val = {
        (r["role"], r["metric"]): r["value"]
        for r in result.rows
        if r["source"] == "card" and r["step"] is None
    }
    assert val == {(role, f"val/{k}"): v for role, d in card["validation"].items() for k, v in d.items()}
    # the TensorBoard scalars are read too, and agree with the card at the final validation
    acc = EventAccumulator(str(trained / "injection" / "cpu-tiny" / "tb"))
    acc.Reload()
    grad = [(e.step, e.value) for e in acc.Scalars("train/grad_norm")]
    assert sorted((r["step"], r["value"]) for r in result.where(metric="train/grad_norm")) == grad
    tb_val = result.where(metric="val/symbolic", source="tb")[-1]["value"]
    assert tb_val == pytest.approx(card["validation"]["injection"]["symbolic"], rel=1e-6)

    fig = figures.training(result)
    line = next(ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "injection|train/loss")
    assert list(zip(line.get_xdata(), line.get_ydata(), strict=True)) == losses
    val_line = next(ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "injection|val/symbolic")
    assert list(val_line.get_ydata()) == pytest.approx(
        [card["validation"]["base"]["symbolic"], card["validation"]["injection"]["symbolic"]]
    )
    bars = {p.get_gid(): p.get_height() for p in fig.axes[2].patches if p.get_gid()}
    assert bars == pytest.approx(
        {f"{role}|{k}": v for role, d in card["validation"].items() for k, v in d.items()}
    )
    assert "no run" in fig.axes[1].get_title()  # no Infusion yet, and the panel says so


def test_a_malformed_card_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "infusion" / "bad"
    folder.mkdir(parents=True)
    (folder / "symbolscope.json").write_text(json.dumps({"history": [{"step": 1, "loss": "NaN?"}]}))
    res = run_module("trainer.report", "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "history entry 0 loss" in res.stderr and not (tmp_path / "out").exists()
    empty = run_module("trainer.report", "--runs", str(tmp_path / "nothing"), "--out", str(tmp_path / "out"))
    assert empty.returncode == 2 and "does not exist" in empty.stderr
