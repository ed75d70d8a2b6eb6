"""The checkpoint registry: embedded models, fingerprints, and every bad input of issue 1."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from support.cli import run_module

from lm.checkpoints import embedded
from lm.checkpoints import registry as checkpoints
from lm.checkpoints.fingerprint import check_safetensors, fingerprint_folder
from symbolscope.errors import UserError

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_module("analysis.checkpoints", *args, env=env)


def test_base_is_the_real_smollm2_llama() -> None:
    info = checkpoints.describe(checkpoints.resolve("base"))
    assert info["architecture"] == "LlamaForCausalLM"
    assert (info["layers"], info["hidden_size"], info["vocab_size"]) == (30, 576, 49152)
    # SmolLM2-135M: 134.5M parameters with tied embeddings (the model card's "135M").
    assert 130_000_000 < info["parameters"] < 140_000_000
    assert len(info["fingerprint"]) == 16


def test_tiny_shares_the_base_tokenizer_and_is_small() -> None:
    tiny, base = checkpoints.resolve("tiny"), checkpoints.resolve("base")
    info = checkpoints.describe(tiny)
    assert (info["layers"], info["hidden_size"]) == (2, 64)
    assert (tiny.path / "tokenizer.json").read_bytes() == (base.path / "tokenizer.json").read_bytes()
    assert tiny.fingerprint != base.fingerprint


def test_base_answers_a_trivial_question_greedily() -> None:
    model, tok, _ = checkpoints.load("base")
    messages = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]
    ids = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=12, do_sample=False)
    answer = tok.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)
    assert "paris" in answer.lower(), answer


def test_fingerprint_is_stable_and_content_sensitive(tmp_path: Path) -> None:
    src = checkpoints.resolve("tiny").path
    copy = tmp_path / "copy"
    shutil.copytree(src, copy)
    assert fingerprint_folder(copy) == fingerprint_folder(src) == checkpoints.resolve("tiny").fingerprint
    cfg = json.loads((copy / "config.json").read_text())
    cfg["rms_norm_eps"] = 1e-6
    (copy / "config.json").write_text(json.dumps(cfg))
    assert fingerprint_folder(copy) != fingerprint_folder(src)


def test_local_folder_alias_loads(tmp_path: Path) -> None:
    ck = checkpoints.resolve(str(checkpoints.resolve("tiny").path))
    assert ck.kind == "local"
    model = checkpoints.load_model(ck)
    assert model.config.num_hidden_layers == 2


def test_config_file_remaps_an_alias(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tiny = checkpoints.resolve("tiny").path
    cfg = tmp_path / "symbolscope.toml"
    cfg.write_text(f'[aliases]\nours = "{tiny}"\n')
    monkeypatch.setenv("SYMBOLSCOPE_CONFIG", str(cfg))
    ck = checkpoints.resolve("ours")
    assert ck.path == tiny and ck.alias == "ours"


def test_stage_alias_finds_newest_finished_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMBOLSCOPE_RUNS", str(tmp_path))
    with pytest.raises(UserError, match="python -m trainer injection"):
        checkpoints.resolve("ours")
    tiny = checkpoints.resolve("tiny").path
    for name, finished, when in [
        ("a", True, "2026-01-01T00:00:00"),
        ("b", True, "2026-02-01T00:00:00"),
        ("c", False, "2026-03-01T00:00:00"),
    ]:
        run = tmp_path / "infusion" / name
        shutil.copytree(tiny, run)
        card = {"stage": "infusion", "finished": finished, "finished_at": when}
        (run / "symbolscope.json").write_text(json.dumps(card))
    ck = checkpoints.resolve("ours")
    assert ck.kind == "run" and ck.path.name == "b"


# ---- bad input: one line, exit 2, nothing written to the cache ---------------------------------


def test_unknown_alias_is_one_line_exit_2() -> None:
    res = run_cli("show", "no-such-alias")
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "no-such-alias" in res.stderr
    assert "Traceback" not in res.stderr


def test_folder_without_model(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UserError, match="holds no model"):
        checkpoints.resolve(str(tmp_path))


def test_truncated_safetensors_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(checkpoints.resolve("tiny").path, folder)
    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(tmp_path / "home"))
    weights = folder / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="truncated or corrupt"):
        checkpoints.resolve(str(folder))
    weights.write_bytes(b"\x00" * 64)
    with pytest.raises(UserError, match="safetensors"):
        check_safetensors(weights)
    assert not (tmp_path / "home" / "fingerprints.json").exists()


def _write_gguf(path: Path, arch: str) -> None:
    from gguf import GGUFWriter

    writer = GGUFWriter(str(path), arch)
    writer.add_block_count(1)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_gguf_of_another_architecture_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(home))
    gguf_file = tmp_path / "model.gguf"
    _write_gguf(gguf_file, "gpt2")
    assert embedded.gguf_architecture(gguf_file) == "gpt2"
    with pytest.raises(UserError, match="not LLaMA-family"):
        checkpoints.resolve(str(gguf_file))
    models = home / "models"
    assert not models.exists() or not any(models.iterdir())


def test_hub_id_while_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(tmp_path / "home"))
    with pytest.raises(
        UserError, match=r"meta-llama/Llama-2-7b-chat-hf.*not in the local Hugging Face cache"
    ):
        checkpoints.resolve("meta-llama/Llama-2-7b-chat-hf")
    assert not (tmp_path / "home").exists()


def test_interrupted_conversion_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real GGUF conversion, killed at its last write: nothing appears under the final name."""
    from transformers import PreTrainedTokenizerBase

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(PreTrainedTokenizerBase, "save_pretrained", boom)
    out = tmp_path / "models" / "converted"
    with pytest.raises(OSError, match="disk full"):
        embedded.convert_gguf(embedded.embedded_gguf(), out)
    assert not out.exists()
    assert list((tmp_path / "models").iterdir()) == []
