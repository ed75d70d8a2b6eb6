"""``python -m probes --unit symbol`` end to end on the tiny model: the store is extracted with its
symbols, every symbol row kind is written, and a store without symbols is one line naming the
command that adds them (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import run_module
from support.extract import make_home, write_jsonl

from symbolcollection import load_split


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return make_home(tmp_path)


def _split(path: Path, per_family: int = 8) -> Path:
    """The first ``per_family`` analysis samples of every family (no Symbol-Evol variants)."""
    count: dict[str, int] = {}
    keep = []
    for s in load_split("analysis"):
        if count.get(s.family, 0) < per_family:
            count[s.family] = count.get(s.family, 0) + 1
            keep.append(s)
    return write_jsonl(path, keep)


def test_symbol_probes_write_every_kind_from_a_store_with_symbols(home: Path, tmp_path: Path) -> None:
    split, out = _split(tmp_path / "split.jsonl"), tmp_path / "out"
    args = ("--ckpt", "tiny", "--split", str(split), "--no-progress", "--folds", "3", "--no-mdl")
    proc = run_module("probes", "--unit", "symbol", *args, "--out", str(out), home=home)
    assert proc.returncode == 0, proc.stderr
    assert "concept transfer, layer" in proc.stdout
    (json_path,) = (out / "symbol_probes").glob("*.json")
    data = json.loads(json_path.read_text())
    rows = data["rows"]
    kinds = {(r["kind"], r["target"]) for r in rows}
    assert kinds == {
        ("probe", "class"),
        ("probe", "class_by_type"),
        ("probe", "concept"),
        ("concept_transfer", "concept"),
        ("surface", "class"),
        ("surface", "class_by_type"),
        ("surface", "concept"),
        ("surface_transfer", "concept"),
    }
    assert all(r["unit"] == "symbol" and r["fingerprint"] for r in rows)
    held = {r["held_out"] for r in rows if r["kind"] == "concept_transfer"}
    assert None in held and len(held) >= 3  # the mean and at least two held-out families
    for r in rows:
        assert 0.0 <= r["accuracy"] <= 1.0 and 0.0 < r["chance"] <= 1.0
    info = data["config"]["skipped"]["tiny"]
    assert info["symbol_rows"] > info["class_rows"] > 0 and info["concept_rows"] > 0
    assert not (out / "figures").exists()


def test_a_given_store_without_symbols_names_the_command(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import probes
    from analysis.extract import ensure_store
    from symbolscope.errors import UserError

    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(home))
    store = ensure_store("tiny", split=str(_split(tmp_path / "split.jsonl", 2)), layers="0", progress=False)
    cfg = probes.Config(unit="symbol", progress=False)
    with pytest.raises(
        UserError, match=r"without symbols; add them with 'python -m analysis.extract run --ckpt tiny"
    ):
        probes.run({"tiny": store}, config=cfg)
