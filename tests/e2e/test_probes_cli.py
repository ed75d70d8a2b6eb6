"""``python -m probes`` end to end on the tiny model, and every bad input of the issue (exit 2)."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from support.cli import run_module
from support.extract import make_home

TEMPLATES = {
    "sql": ["SELECT a FROM t{i}", "SELECT a FROM t{i} WHERE b IN (SELECT c FROM u WHERE d > {i})"],
    "fol": ["P{i}(a)", "all x.(P{i}(x) -> (Q(x) & -R(x)))"],
    "regex": ["ab{i}", "(a(b{i}(c)))"],
}


def _split(
    path: Path, families=("sql", "fol", "regex"), per_family: int = 12, extra: dict | None = None
) -> Path:
    rows = []
    for fam in families:
        for i in range(per_family):
            out = TEMPLATES[fam][i % 2].format(i=i)
            rows.append(
                {
                    "id": f"{fam}-{i}",
                    "task": f"nl2{fam}-{i % 2}",
                    "family": fam,
                    "source": "t",
                    "instruction": f"Write {fam} number {i}.",
                    "input": "",
                    "output": out,
                }
            )
            if i < 4:  # a Symbol-Evol renaming of the first four
                rows.append(
                    {
                        **rows[-1],
                        "id": f"{fam}-{i}~evol",
                        "output": out.replace("a", "z"),
                        "evol_of": f"{fam}-{i}",
                    }
                )
    for fam, n in (extra or {}).items():
        for i in range(n):
            rows.append(
                {
                    "id": f"{fam}-{i}",
                    "task": f"nl2{fam}",
                    "family": fam,
                    "source": "t",
                    "instruction": "Write it.",
                    "input": "",
                    "output": f"x{i}",
                }
            )
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return make_home(tmp_path)


def _probes(home: Path, split: Path, *args: str):
    return run_module(
        "probes", "--ckpt", "tiny", "--split", str(split), "--no-progress", "--no-figures", *args, home=home
    )


def _one_error_line(proc, *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_cli_writes_rows_for_every_layer_target_and_kind(home: Path, tmp_path: Path):
    split = _split(tmp_path / "s.jsonl")
    out = tmp_path / "results"
    proc = _probes(home, split, "--target", "family,task,depth", "--folds", "3", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    (json_path,) = (out / "probes").glob("*.json")
    assert json_path.with_suffix(".csv").is_file()
    assert "expected near ceiling" in (out / "probes" / "README.md").read_text()
    data = json.loads(json_path.read_text())
    rows = data["rows"]
    probe = [r for r in rows if r["kind"] == "probe"]
    assert {(r["layer"], r["target"]) for r in probe} == {
        (layer, t) for layer in (0, 1, 2, "final_norm") for t in ("family", "task", "depth")
    }
    surface = [r for r in rows if r["kind"] == "surface"]
    assert {r["target"] for r in surface} == {"family", "task", "depth"} and all(
        r["layer"] is None for r in surface
    )
    transfer = [r for r in rows if r["kind"] == "evol_transfer"]
    assert transfer and all(r["n"] == 12 for r in transfer if r["target"] != "depth")
    for r in probe:
        assert 0 <= r["accuracy"] <= 1 and r["accuracy_ci"][0] <= r["accuracy"] <= r["accuracy_ci"][1]
        assert r["selectivity"] == pytest.approx(r["accuracy"] - r["control_accuracy"])
        assert r["compression"] == pytest.approx(r["uniform_bits"] / r["codelength_bits"])
        assert r["fingerprint"] and r["n"] == (48 if r["target"] != "depth" else r["n"])
    assert data["config"]["folds"] == 3 and data["config"]["seed"] == 0
    assert "layer final_norm" not in proc.stdout and "layer 2" in proc.stdout


def test_figure_registered_and_drawn_from_saved_result(home: Path, tmp_path: Path):
    split = _split(tmp_path / "s.jsonl")
    out = tmp_path / "results"
    proc = run_module(
        "probes",
        "--ckpt",
        "tiny",
        "--split",
        str(split),
        "--target",
        "family",
        "--layers",
        "-1",
        "--folds",
        "3",
        "--no-progress",
        "--out",
        str(out),
        home=home,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "figures" / "probes.png").stat().st_size > 10_000
    again = run_module("figures", "probes", "--results", str(out), home=home)
    assert again.returncode == 0, again.stderr


def test_class_with_fewer_samples_than_folds_is_refused(home: Path, tmp_path: Path):
    split = _split(tmp_path / "s.jsonl", extra={"latex": 3})
    _one_error_line(_probes(home, split, "--target", "family"), "'latex'", "3 samples", "--folds 5")


def test_single_class_is_refused(home: Path, tmp_path: Path):
    split = _split(tmp_path / "s.jsonl", families=("sql",))
    _one_error_line(_probes(home, split, "--target", "family"), "single class")


def test_unknown_target(home: Path, tmp_path: Path):
    _one_error_line(
        _probes(home, tmp_path / "nothing.jsonl", "--target", "colour"), "unknown target 'colour'"
    )


def test_layer_the_model_lacks(home: Path, tmp_path: Path):
    split = _split(tmp_path / "s.jsonl")
    _one_error_line(_probes(home, split, "--layers", "7"), "layer 7")


def test_store_without_the_requested_layer(home: Path, tmp_path: Path, monkeypatch):
    import probes
    from analysis.extract import ensure_store
    from symbolscope.errors import UserError

    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(home))
    split = _split(tmp_path / "s.jsonl")
    store = ensure_store("tiny", split=str(split), layers="-1", progress=False)
    with pytest.raises(UserError, match=r"\[0\] not in the store"):
        probes.run({"tiny": store}, config=probes.Config(layers="0", targets="family", progress=False))


def test_nan_vectors_are_refused(home: Path, tmp_path: Path, monkeypatch):
    from analysis.extract import ensure_store

    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(home))
    split = _split(tmp_path / "s.jsonl")
    store = ensure_store("tiny", split=str(split), layers="all", progress=False)
    shard = store.path / store.manifest["shards"][0]["file"]
    raw = bytearray(shard.read_bytes())
    (hlen,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + hlen])
    start, _ = header["layer.1"]["data_offsets"]
    raw[8 + hlen + start : 8 + hlen + start + 4] = np.float32(np.nan).tobytes()
    shard.write_bytes(bytes(raw))
    # a store whose vectors are NaN as extracted (the manifest's integrity record agrees with the
    # shard), so the probe's own NaN check is what answers, not the store's damage check
    manifest = json.loads((store.path / "manifest.json").read_text())
    manifest["shards"][0]["sha256"] = hashlib.sha256(bytes(raw)).hexdigest()
    (store.path / "manifest.json").write_text(json.dumps(manifest))
    _one_error_line(_probes(home, split, "--target", "family"), "layer 1", "NaN", store.name)


def test_valid_target_probes_originals_against_their_twins(home: Path, tmp_path: Path):
    """The corrupted twins are extracted as their own split and probed beside their originals."""
    from symbolcollection.corrupt import make_twins
    from symbolcollection.schema import Sample

    split = _split(tmp_path / "s.jsonl")
    originals = [Sample.from_dict(json.loads(line)) for line in split.read_text().splitlines()]
    twins = make_twins([s for s in originals if "~evol" not in s.id])
    assert len(twins) >= 30
    twins_file = tmp_path / "twins.jsonl"
    twins_file.write_text("".join(json.dumps(t.to_dict()) + "\n" for t in twins))
    out = tmp_path / "results"
    proc = _probes(
        home,
        split,
        "--valid-split",
        str(twins_file),
        "--target",
        "valid",
        "--layers",
        "-1",
        "--folds",
        "3",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(next((out / "probes").glob("*.json")).read_text())
    (row,) = [r for r in data["rows"] if r["kind"] == "probe"]
    (surface,) = [r for r in data["rows"] if r["kind"] == "surface"]
    assert row["n_classes"] == 2 and row["n"] == 2 * len(twins)
    assert surface["accuracy"] == pytest.approx(0.5)  # identical bags of tokens: exactly chance
    assert data["config"]["skipped"]["tiny"]["valid_bag_mismatch"] == 0
    assert row["valid_dataset_fingerprint"] != row["dataset_fingerprint"]
