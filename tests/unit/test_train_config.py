"""Configs: every shipped config validates; DeepSpeed "auto" filling; schedule shape; batch math."""

from __future__ import annotations

import json
import math

import pytest

from symbolscope.errors import UserError
from trainer.config import CONFIG_DIR, StageConfig, deepspeed_path, grad_accum_for, load_config
from trainer.dsconfig import fill_auto, read_ds_config, zero_stage
from trainer.engine import LrShape

NAMES = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))


def test_the_required_configs_ship() -> None:
    assert {"cpu-tiny", "cpu-smollm", "llama2-7b-zero3", "llama2-13b-zero3"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_shipped_configs_validate(name: str) -> None:
    cfg = load_config(name)
    assert cfg.name == name and cfg.injection.lr > 0 and 0 <= cfg.infusion.general_fraction < 1


@pytest.mark.parametrize("size", ["7b", "13b"])
def test_paper_recipe(size: str) -> None:
    cfg = load_config(f"llama2-{size}-zero3")
    for s in (cfg.injection, cfg.infusion):
        assert (s.lr, s.schedule, s.warmup_ratio, s.epochs, s.global_batch_rows) == (
            2e-5,
            "cosine",
            0.03,
            3,
            128,
        )
        assert s.micro_batch_rows * grad_accum_for(s, 8) * 8 == 128
    assert (cfg.max_length, cfg.dtype, cfg.gradient_checkpointing) == (2048, "bfloat16", True)
    ds = read_ds_config(deepspeed_path(cfg))
    assert (
        zero_stage(ds) == 3 and ds["zero_optimization"]["stage3_gather_16bit_weights_on_model_save"] is True
    )
    assert (
        "offload_optimizer" not in ds["zero_optimization"] and "offload_param" not in ds["zero_optimization"]
    )
    for key in ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"):
        assert ds[key] == "auto"
    assert ds["bf16"]["enabled"] == "auto"
    filled = fill_auto(
        ds, micro_batch=4, grad_accum=4, world=8, max_grad_norm=1.0, bf16=True, hidden_size=4096
    )
    assert (filled["train_batch_size"], filled["bf16"]["enabled"], filled["gradient_clipping"]) == (
        128,
        True,
        1.0,
    )
    assert filled["zero_optimization"]["reduce_bucket_size"] == 4096 * 4096
    offload = read_ds_config(CONFIG_DIR / "zero3-offload.json")["zero_optimization"]
    assert offload["offload_optimizer"]["device"] == "cpu" and offload["offload_param"]["device"] == "cpu"


ONE_ROW = {"micro_batch": 1, "grad_accum": 1, "max_grad_norm": 1.0, "bf16": False, "hidden_size": 8}


def test_fill_auto_rejects_unknown_auto_and_inconsistent_batches(tmp_path) -> None:
    with pytest.raises(UserError, match=r'no value for "auto" in optimizer\.params\.lr'):
        fill_auto({"optimizer": {"params": {"lr": "auto"}}}, world=1, **ONE_ROW)
    with pytest.raises(UserError, match="disagree with the training config"):
        fill_auto({"train_batch_size": 64}, world=2, **ONE_ROW)
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(UserError, match="must be a JSON object"):
        read_ds_config(bad)


def test_global_batch_rows_must_divide() -> None:
    s = StageConfig(micro_batch_rows=3, global_batch_rows=128)
    with pytest.raises(UserError, match="not a multiple"):
        grad_accum_for(s, 8)
    assert grad_accum_for(StageConfig(micro_batch_rows=2, grad_accum=5), 8) == 5


def test_schedule_shape() -> None:
    shape = LrShape("cosine", warmup=10, total=110, floor=0.1)
    assert shape(0) == pytest.approx(1 / 11) and shape(9) == pytest.approx(10 / 11)
    assert shape(10) == pytest.approx(1.0)
    assert shape(60) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert shape(110) == pytest.approx(0.1)
    assert LrShape("linear", 0, 100, 0.0)(50) == pytest.approx(0.5)
    assert LrShape("constant", 5, 100, 0.0)(70) == 1.0


def test_toml_configs_and_bad_files(tmp_path) -> None:
    good = tmp_path / "c.toml"
    good.write_text('model = "tiny"\nmax_length = 64\n[injection]\nlr = 1e-3\n')
    assert load_config(str(good)).injection.lr == 1e-3
    bad = tmp_path / "b.toml"
    bad.write_text("model = \n")
    with pytest.raises(UserError, match="not valid TOML"):
        load_config(str(bad))
    extra = tmp_path / "e.toml"
    extra.write_text("[data]\nfolder = 'x'\n")
    with pytest.raises(UserError, match=r"unknown key 'data\.folder'"):
        load_config(str(extra))
    neg = tmp_path / "n.yaml"
    neg.write_text("infusion:\n  general_fraction: 1.0\n")
    with pytest.raises(UserError, match="general_fraction"):
        load_config(str(neg))
    assert json.loads(json.dumps(load_config("cpu-tiny").to_dict()))["model"] == "tiny"
