"""Hostile class 6 (malformed files) and class 8 (smaller items): each bad file is one line and exit 2
from the real CLI, never a traceback; one bad alias or run card does not break the others.

Model folders are copies of the embedded ``tiny`` (config, weights, tokenizer, chat template)
with one file broken; runs and settings live in temporary folders.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest
import yaml
from support.cli import run_module
from support.extract import REAL_HOME, make_home
from support.hostile import assert_clean

from trainer.config import CONFIG_DIR

LIMIT_S = 300  # per CLI call; the shared 2-core machine runs at a load of ~15 during the suite
TINY = REAL_HOME / "models" / "tiny-llama-seed0"


def _model(tmp_path: Path, name: str = "m") -> Path:
    folder = tmp_path / name
    shutil.copytree(TINY, folder)
    return folder


def _header_file(path: Path, header: object) -> None:
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw)


def _break(folder: Path, how: str) -> None:
    cfg = folder / "config.json"
    weights = folder / "model.safetensors"
    if how == "config-not-json":
        cfg.write_text("{ not json")
    elif how == "config-list":
        cfg.write_text("[1, 2]")
    elif how == "config-not-utf8":
        cfg.write_bytes(b'{"model_type": "\xff\xfe"}')
    elif how == "config-deep":
        cfg.write_text("[" * 10_000 + "]" * 10_000)
    elif how == "header-list":
        _header_file(weights, [1, 2])
    elif how == "header-shape":
        _header_file(weights, {"w": {"dtype": "F32", "shape": ["a", 2], "data_offsets": [0, 0]}})
    elif how == "weights-folder":
        weights.unlink()
        (folder / "model.safetensors").mkdir()
    elif how == "weights-truncated":
        weights.write_bytes(weights.read_bytes()[:1000])


@pytest.mark.parametrize(
    "how",
    [
        "config-not-json",
        "config-list",
        "config-not-utf8",
        "config-deep",
        "header-list",
        "header-shape",
        "weights-folder",
        "weights-truncated",
    ],
)
def test_broken_model_folder_is_one_line(tmp_path, how) -> None:
    folder = _model(tmp_path)
    _break(folder, how)
    proc = run_module("analysis.checkpoints", "show", str(folder), home=make_home(tmp_path), timeout=LIMIT_S)
    assert_clean(proc, says=str(folder))


def _split(path: Path) -> Path:
    rows = [
        {
            "id": f"s{i}",
            "task": "t",
            "family": "sql",
            "source": "t",
            "instruction": f"Q {i}",
            "input": "",
            "output": f"SELECT {i}",
        }
        for i in range(3)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("how", ["tokenizer", "template-syntax", "template-sandbox", "hidden-size"])
def test_broken_tokenizer_template_or_config_is_one_line_before_extraction(tmp_path, how) -> None:
    folder = _model(tmp_path)
    if how == "tokenizer":
        (folder / "tokenizer.json").write_text('{"version": "1.0", "model": {"type": "Nope"}')
    elif how == "template-syntax":
        (folder / "chat_template.jinja").write_text("{% for m in messages %}{{ m.content }")
    elif how == "template-sandbox":
        (folder / "chat_template.jinja").write_text("{{ messages.__class__.__mro__[1].__subclasses__() }}")
    else:
        cfg = json.loads((folder / "config.json").read_text())
        (folder / "config.json").write_text(json.dumps({**cfg, "hidden_size": cfg["hidden_size"] + 16}))
    home = make_home(tmp_path)
    args = ["--ckpt", str(folder), "--split", str(_split(tmp_path / "s.jsonl")), "--no-progress"]
    proc = run_module("analysis.extract", "run", *args, home=home, timeout=LIMIT_S)
    assert_clean(
        proc, says={"hidden-size": "hidden_size", "tokenizer": "tokenizer"}.get(how, "chat template")
    )
    assert not any((home / "store").glob("*/manifest.json"))


def _settings(tmp_path: Path, text: bytes) -> dict[str, str]:
    path = tmp_path / "symbolscope.toml"
    path.write_bytes(text)
    return {"SYMBOLSCOPE_CONFIG": str(path)}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (b"aliases = 3\n", "'aliases' must be a table"),
        (b"[paths]\nruns = 3\n", "paths.runs must be a string"),
        (b"[aliases]\nx = '\xff'\n", "not UTF-8"),
        (b"[aliases\n", "not valid TOML"),
    ],
)
def test_bad_settings_file_is_one_line(tmp_path, text, says) -> None:
    env = _settings(tmp_path, text)
    proc = run_module("analysis.checkpoints", "list", home=make_home(tmp_path), env=env, timeout=LIMIT_S)
    assert_clean(proc, says=says)


def test_one_bad_alias_does_not_break_list(tmp_path) -> None:
    env = _settings(tmp_path, f"[aliases]\nbad = 3\nempty = ''\ngood = '{TINY}'\n".encode())
    proc = run_module("analysis.checkpoints", "list", home=make_home(tmp_path), env=env, timeout=LIMIT_S)
    assert_clean(proc, code=0)
    rows = {line.split()[0]: line for line in proc.stdout.splitlines()}
    assert "(unavailable)" in rows["bad"] and "(unavailable)" in rows["empty"]
    assert "local" in rows["good"] and "(unavailable)" not in rows["tiny"]


def test_unusable_home_is_reported_before_any_conversion(tmp_path) -> None:
    proc = run_module("analysis.checkpoints", "prepare", home=Path("/proc/symbolscope-home"), timeout=LIMIT_S)
    assert_clean(proc, says="cannot write")
    assert "converting" not in proc.stderr  # convert_gguf logs this line before its ~20 s of work


def test_fingerprint_cache_of_the_wrong_shape_is_rebuilt(tmp_path) -> None:
    home = make_home(tmp_path)
    (home / "fingerprints.json").write_text('[["a", 1]]')
    assert_clean(run_module("analysis.checkpoints", "show", "tiny", home=home, timeout=LIMIT_S), code=0)
    assert isinstance(json.loads((home / "fingerprints.json").read_text()), dict)


def test_bad_run_cards_do_not_break_resolution_of_the_good_run(tmp_path) -> None:
    runs = tmp_path / "runs" / "injection"
    good = _model(runs, "good")
    (good / "symbolscope.json").write_text(
        json.dumps({"stage": "injection", "finished": True, "finished_at": "1"})
    )
    for name, card in {
        "trunc": '{"stage": "inj',
        "list": "[1]",
        "binary": "\xff",
        "deep": "[" * 10_000,
    }.items():
        (runs / name).mkdir()
        (runs / name / "symbolscope.json").write_text(card)
    env = {"SYMBOLSCOPE_RUNS": str(tmp_path / "runs")}
    proc = run_module(
        "analysis.checkpoints", "show", "injection", home=make_home(tmp_path), env=env, timeout=LIMIT_S
    )
    assert_clean(proc, code=0, max_lines=10)  # one warning per skipped run
    assert str(good) in proc.stdout


def _config(tmp_path: Path, **changes: object) -> Path:
    cfg = yaml.safe_load((CONFIG_DIR / "cpu-tiny.yaml").read_text())
    for key, value in changes.items():
        section, _, leaf = key.partition("__")
        if leaf:
            cfg.setdefault(section, {})[leaf] = value
        else:
            cfg[section] = value
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"eval__batch_rows": 0}, "eval.batch_rows"),
        ({"injection__epochs": float("inf")}, "injection.epochs"),
        ({"threads": -1}, "threads"),
        ({"injection__log_every": 0}, "log_every"),
        ({"injection__adam_betas": [0.9, float("nan")]}, "adam_betas"),
    ],
)
def test_bad_training_config_is_one_line(tmp_path, changes, says) -> None:
    runs = tmp_path / "runs"
    proc = run_module(
        "trainer",
        "injection",
        "--config",
        str(_config(tmp_path, **changes)),
        env={"SYMBOLSCOPE_RUNS": str(runs)},
        timeout=LIMIT_S,
    )
    assert_clean(proc, says=says)
    assert not runs.exists()


def test_training_config_not_utf8_is_one_line(tmp_path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"model: tiny\nrun_name: \xff\xfe\n")
    assert_clean(run_module("trainer", "injection", "--config", str(path), timeout=LIMIT_S), says="not UTF-8")


def test_export_to_a_folder_or_nowhere_is_one_line(tmp_path) -> None:
    for out in (str(tmp_path), "/proc/symbolscope/out.jsonl"):
        proc = run_module("trainer.data", "export", "analysis", out, timeout=LIMIT_S)
        assert_clean(proc, says="export")


def test_released_file_encoding_and_output_types(tmp_path) -> None:
    row = {"instruction": "Write SQL.", "input": "", "family": "sql"}
    bom = tmp_path / "bom.jsonl"
    lines = [{**row, "output": "SELECT 1"}, {**row, "output": 7}, {**row, "output": "SELEC * FRM"}]
    bom.write_text("\ufeff" + "".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    proc = run_module("trainer.data", "validate", str(bom), timeout=LIMIT_S)
    assert_clean(proc, code=1)
    out = proc.stdout.splitlines()
    assert not any(":1:" in line for line in out), out  # the BOM does not spoil the first row
    assert "'output' must be a string, got int" in out[0]
    assert "\x1b" not in proc.stdout and ":3: sql checker rejects" in out[1]
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(json.dumps({**row, "output": "SELECT 1"}).encode() + b"\n" + b'{"output": "caf\xe9"}\n')
    for cmd in ("validate", "load"):
        assert_clean(run_module("trainer.data", cmd, str(latin), timeout=LIMIT_S), says="line 2: not UTF-8")
    mapping = tmp_path / "map.json"
    mapping.write_bytes(b'{"\xff": "sql"}')
    proc = run_module("trainer.data", "validate", str(bom), "--mapping", str(mapping), timeout=LIMIT_S)
    assert_clean(proc, says="mapping file")


@pytest.mark.parametrize(
    ("module", "args", "says"),
    [
        ("trainer.data", ("validate", "/dev/zero"), "not a regular file"),
        ("analysis.uniformity", ("--ckpt", "tiny", "--bootstrap", "0", "--split", "{latin}"), "not UTF-8"),
        (
            "analysis.uniformity",
            ("--ckpt", "tiny", "--bootstrap", "0", "--split", "{deep}"),
            "JSON nests too deeply to read",
        ),
        ("analysis.checkpoints", ("show", "{gguf}"), "not a readable GGUF"),
    ],
)
def test_other_hostile_files_are_one_line(tmp_path, module, args, says) -> None:
    """Inputs the issue does not name, of the same classes: a device, a non-UTF-8 or deep split, a fake GGUF."""
    files = {"latin": tmp_path / "latin.jsonl", "deep": tmp_path / "deep.jsonl", "gguf": tmp_path / "x.gguf"}
    files["latin"].write_bytes(b'{"id": "a", "output": "caf\xe9"}\n')
    files["deep"].write_text("[" * 10_000 + "\n")
    files["gguf"].write_bytes(b"GGUX not a model")
    argv = [a.format(**files) for a in args]
    assert_clean(run_module(module, *argv, home=make_home(tmp_path), timeout=LIMIT_S), says=says)
