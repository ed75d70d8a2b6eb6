"""Hostile class 5 (integrity) and class 7 (documented options): a shard changed in place at the same
size or truncated is reported as one line naming the store and the fix; the weight-hash cache sees
an in-place edit that keeps size and mtime; ``--bootstrap 0`` writes results and draws both figures,
a split whose families are all skipped draws too, and ``--bootstrap 1`` is refused.

One tiny store is extracted (by ``analysis.uniformity --bootstrap 0``) in a temporary home; each
test damages its own copy.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from support.cli import run_module
from support.extract import REAL_HOME, make_home
from support.hostile import assert_clean

from lm.checkpoints.fingerprint import fingerprint_folder

LIMIT_S = 300  # per CLI call; the shared 2-core machine runs at a load of ~15 during the suite


def _split(path: Path, per_family: int) -> Path:
    outs = {"sql": "SELECT a FROM t{i}", "fol": "all x.(P{i}(x) -> Q(x))", "regex": "^[a-z]{{{i}}}$"}
    rows = [
        {
            "id": f"{fam}-{i}",
            "task": f"nl2{fam}",
            "family": fam,
            "source": "t",
            "input": "",
            "instruction": f"Write the {fam} for case {i}.",
            "output": out.format(i=i),
        }
        for fam, out in outs.items()
        for i in range(1, per_family + 1)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _uniformity(home: Path, split: Path, out: Path, *extra: str) -> object:
    args = ["--ckpt", "tiny", "--split", str(split), "--layers", "last", "--out", str(out), *extra]
    return run_module("analysis.uniformity", *args, home=home, timeout=LIMIT_S)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("hostile-store")
    home, split = make_home(tmp), _split(tmp / "split.jsonl", 4)
    t0 = time.monotonic()
    proc = _uniformity(home, split, tmp / "results", "--bootstrap", "0")
    assert time.monotonic() - t0 < LIMIT_S
    assert_clean(proc, code=0, max_lines=50)
    return {"home": home, "split": split, "results": tmp / "results"}


def _copy_home(made: dict[str, Path], tmp_path: Path) -> tuple[Path, Path]:
    home = make_home(tmp_path)
    shutil.copytree(made["home"] / "store", home / "store")
    (store,) = [p for p in (home / "store").iterdir() if (p / "manifest.json").is_file()]
    return home, store


def test_bootstrap_0_writes_results_and_draws_both_figures(made) -> None:
    (result,) = (made["results"] / "uniformity").glob("*.json")
    rows = json.loads(result.read_text())["rows"]
    assert rows and all(r["alignment_ci"] is None for r in rows if not r.get("skipped"))
    for name in ("uniformity", "uniformity_layers"):
        assert (made["results"] / "figures" / f"{name}.png").stat().st_size > 1000


def test_shard_changed_in_place_at_the_same_size_is_caught(made, tmp_path) -> None:
    home, store = _copy_home(made, tmp_path)
    shard = sorted(store.glob("shard-*.safetensors"))[0]
    data = bytearray(shard.read_bytes())
    data[-8:] = bytes(8)  # the last vector's last two floats, same size
    shard.write_bytes(bytes(data))
    proc = _uniformity(home, made["split"], tmp_path / "r", "--bootstrap", "0", "--no-figures")
    assert_clean(proc, says="does not match its recorded sha256")
    assert "analysis.extract rm" in proc.stderr and store.name in proc.stderr
    assert not (tmp_path / "r" / "uniformity").exists()


def test_truncated_or_missing_shard_is_one_line(made, tmp_path) -> None:
    home, store = _copy_home(made, tmp_path)
    shard = sorted(store.glob("shard-*.safetensors"))[0]
    shard.write_bytes(shard.read_bytes()[:-100])
    proc = run_module("analysis.extract", "ls", home=home, timeout=LIMIT_S)
    assert_clean(proc, code=0, says="is damaged")
    proc = run_module("analysis.extract", "rm", store.name, home=home, timeout=LIMIT_S)
    assert_clean(proc, code=0)  # a damaged store of the suite can still be removed
    assert not store.exists()


def test_weight_hash_cache_sees_an_edit_that_keeps_size_and_mtime(tmp_path) -> None:
    model = tmp_path / "m"
    shutil.copytree(REAL_HOME / "models" / "tiny-llama-seed0", model)
    cache = tmp_path / "fingerprints.json"
    before = fingerprint_folder(model, cache)
    weights = model / "model.safetensors"
    st = weights.stat()
    data = bytearray(weights.read_bytes())
    data[-4:] = bytes(4) if data[-4:] != bytes(4) else b"\x01\x02\x03\x04"
    with open(weights, "r+b") as fh:  # in place: same inode
        fh.write(bytes(data))
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert weights.stat().st_size == st.st_size and weights.stat().st_mtime_ns == st.st_mtime_ns
    assert fingerprint_folder(model, cache) != before
    cache.write_text(json.dumps(["not", "a", "mapping"]))  # a cache of the wrong shape is rebuilt
    assert fingerprint_folder(model, cache) != before


def test_every_family_skipped_still_writes_and_draws(made, tmp_path) -> None:
    split = _split(tmp_path / "one-each.jsonl", 1)
    proc = _uniformity(made["home"], split, tmp_path / "r", "--bootstrap", "0")
    assert_clean(proc, code=0, max_lines=50)
    assert (tmp_path / "r" / "figures" / "uniformity.png").is_file()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--bootstrap", "1"), "at least 100"),
        (("--bootstrap", "-5"), "at least 100"),
        (("--families", ","), "--families"),
    ],
)
def test_bad_options_are_refused_before_any_work(made, tmp_path, args, says) -> None:
    home = make_home(tmp_path)  # an empty store: any extraction would leave a folder in it
    assert_clean(_uniformity(home, made["split"], tmp_path / "r", *args), says=says)
    assert not (home / "store").exists() and not (tmp_path / "r").exists()


@pytest.mark.parametrize("kind", ["file", "under-a-file", "unwritable"])
def test_out_is_checked_before_the_work(made, tmp_path, kind) -> None:
    mine = tmp_path / "mine.txt"
    mine.write_text("mine")
    out = {"file": mine, "under-a-file": mine / "sub", "unwritable": Path("/proc/symbolscope-out")}[kind]
    home = make_home(tmp_path)
    proc = _uniformity(home, made["split"], out)
    assert_clean(proc, says="cannot write")
    assert not (home / "store").exists() and mine.read_text() == "mine"


@pytest.mark.parametrize(
    "payload",
    [
        {"config": {}, "rows": []},
        {"config": {}, "rows": {"a": 1}},
        {"config": {}, "rows": [1, 2]},
        {"config": {}, "rows": [{"ckpt": "a"}]},
        {
            "config": {},
            "rows": [{"ckpt": "a", "layer": "x", "family": "all", "alignment": "?", "uniformity": 1}],
        },
        ["not", "an", "object"],
    ],
)
def test_figures_from_malformed_results_are_one_line(tmp_path, payload) -> None:
    folder = tmp_path / "results" / "uniformity"
    folder.mkdir(parents=True)
    (folder / "20990101-000000-bad.json").write_text(json.dumps(payload))
    proc = run_module("figures", "all", "--results", str(tmp_path / "results"), timeout=LIMIT_S)
    assert_clean(proc, says="bad.json")
