"""The activation store: reader API, cache hits, staleness, resume, atomicity, CLI and bad input."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from support.cli import run_module
from support.extract import (
    assert_close_scaled,
    make_home,
    make_samples,
    tiny_all_layers_args,
    truth_vectors,
    write_jsonl,
)

import analysis.extract.api as extract_api
import analysis.extract.build as builder
import analysis.extract.engine as engine_mod
from analysis.extract import ensure_store, remove_store
from analysis.extract.cli import main
from analysis.extract.engine import ShardJob
from analysis.extract.samples import from_samples
from analysis.extract.spans import prepare
from analysis.extract.writer import PartialStore
from analysis.store import Store, list_partial, list_stores
from lm.checkpoints import load_model, load_tokenizer, resolve
from symbolscope.errors import UserError, run_cli
from symbolscope.paths import store_root

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``$SYMBOLSCOPE_HOME`` for one test: an empty store, the real model cache."""
    path = make_home(tmp_path)
    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(path))
    return path


def _data(n: int = 12, seed: int = 0, empty_every: int = 5):
    samples = make_samples(n, seed, empty_every=empty_every)
    evol = [None] * n
    evol[1] = samples[0].id  # sample 1 is an "evolved" variant of sample 0
    return from_samples(samples, "unit", evol)


def _cli(*args: str, home: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return run_module("analysis.extract", *args, home=home, timeout=timeout)


def test_store_matches_truth_order_metadata_and_skips(home: Path) -> None:
    data = _data(12)
    store = ensure_store("tiny", span="symbol", layers="all", dataset=data, progress=False, batch_tokens=300)
    kept = [s for s in data.samples if s.output]
    assert len(kept) < len(data.samples)  # some were skipped (empty span) ...
    assert store.manifest["dataset"]["n_skipped"] == len(data.samples) - len(kept)  # ... and counted
    assert {r["reason"] for r in store.manifest["dataset"]["skipped"]} == {"empty span"}
    assert store.sample_ids == [s.id for s in kept]  # dataset order
    assert store.families == [s.family for s in kept] and store.tasks == [s.task for s in kept]
    assert store.evol_of[1] == data.samples[0].id and store.evol_of[0] is None
    assert store.layers == [0, 1, 2, "final_norm"]
    ckpt = resolve("tiny")
    model, tok = load_model(ckpt), load_tokenizer(ckpt)
    truth = [truth_vectors(model, prepare(tok, s, "symbol"), store.layers) for s in kept]
    for layer, key in ((0, 0), (-1, 2), (2, 2), (1, 1), ("final_norm", "final_norm")):
        vectors, ids, fams = store.read(layer)
        assert vectors.dtype == np.float32 and vectors.shape == (len(kept), 64)
        assert np.isfinite(vectors).all()
        assert ids == store.sample_ids and fams == store.families
        for row in range(len(kept)):
            assert_close_scaled(torch.from_numpy(np.array(vectors[row])), truth[row][key])
    assert isinstance(store.read(0)[0], np.memmap)  # one shard: memory-mapped
    record = store.read(-1)  # a named record that still unpacks as (vectors, ids, families)
    assert record._fields == ("vectors", "ids", "families")
    assert (
        record.vectors is record[0] and record.ids == store.sample_ids and record.families == store.families
    )
    with pytest.raises(UserError, match=r"valid layers are 0\.\.2"):
        store.read(3)
    m = json.loads((store.path / "manifest.json").read_text())
    for field in (
        "checkpoint",
        "dataset",
        "span",
        "pooling",
        "layers",
        "dtype",
        "sample_ids",
        "shards",
        "code_version",
        "created",
        "families",
        "tasks",
        "evol_of",
    ):
        assert field in m
    assert m["checkpoint"]["alias"] == "tiny" and m["checkpoint"]["fingerprint"] == ckpt.fingerprint


def test_shards_concatenate_and_hit_needs_no_model(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data(20, seed=1, empty_every=0)
    one = ensure_store("tiny", layers="0,2", dataset=data, progress=False)
    vec_one = np.array(one.read(2)[0])
    remove_store(one)
    many = ensure_store("tiny", layers="0,2", dataset=data, progress=False, shard_samples=6)
    assert len(many.manifest["shards"]) == 4
    vec_many, ids, _ = many.read(2)
    assert ids == [s.id for s in data.samples]
    assert np.allclose(vec_many, vec_one, atol=1e-5)

    def no_model(*a: object, **k: object) -> None:
        raise AssertionError("a cache hit loaded the model")

    monkeypatch.setattr(engine_mod, "load_model", no_model)
    t0 = time.perf_counter()
    hit = ensure_store("tiny", layers=[-1], dataset=data, progress=False)
    assert time.perf_counter() - t0 < 1.0 and hit.path == many.path


def test_missing_layers_extend_the_store(home: Path) -> None:
    data = _data(6, seed=2, empty_every=0)
    first = ensure_store("tiny", layers="0", dataset=data, progress=False)
    assert first.layers == [0]
    both = ensure_store("tiny", layers="final_norm", dataset=data, progress=False)
    assert both.path == first.path and both.layers == [0, "final_norm"]
    assert np.allclose(both.read(0)[0], first.read(0)[0])
    assert [s.name for s in list_stores()] == [both.name]


def test_changed_model_or_dataset_never_hits_a_stale_store(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _data(4, seed=3, empty_every=0)
    a = ensure_store("tiny", layers="1", dataset=data, progress=False)
    changed = from_samples(
        [*data.samples[:3], dataclasses.replace(data.samples[3], output="SELECT 2")], "unit"
    )
    b = ensure_store("tiny", layers="1", dataset=changed, progress=False)
    assert b.path != a.path and not np.allclose(a.read(1)[0][3], b.read(1)[0][3])
    real = resolve("tiny")
    retrained = dataclasses.replace(real, fingerprint="0" * 16)
    monkeypatch.setattr(extract_api, "resolve", lambda alias: retrained)
    c = ensure_store("tiny", layers="1", dataset=data, progress=False)
    assert c.path not in (a.path, b.path) and c.manifest["checkpoint"]["fingerprint"] == "0" * 16
    d = ensure_store("tiny", layers="1", dataset=data, progress=False, span="instruction")
    assert d.path not in (a.path, b.path, c.path)


def test_changed_extraction_code_never_hits_a_stale_store(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The extraction code hash is part of the store's key: other code, another store."""
    data = _data(4, seed=3, empty_every=0)
    a = ensure_store("tiny", layers="1", dataset=data, progress=False)
    code = a.manifest["extraction_code"]
    assert code == builder.extraction_code_hash() and a.path.name.endswith(f"-c{code.rpartition('+')[2][:8]}")
    other = code.rpartition("+")[0] + "+feedface0000"
    with monkeypatch.context() as patch:
        for module in (builder, extract_api):
            patch.setattr(module, "extraction_code_hash", lambda: other)
        b = ensure_store("tiny", layers="1", dataset=data, progress=False)
    assert b.path != a.path and b.path.name.endswith("-cfeedface") and b.manifest["extraction_code"] == other
    assert ensure_store("tiny", layers="1", dataset=data, progress=False).path == a.path  # a hit again


def test_interrupted_extraction_resumes_from_finished_shards(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _data(18, seed=4, empty_every=0)
    reference = ensure_store("tiny", layers="all", dataset=data, progress=False, shard_samples=18)
    ref = np.array(reference.read(1)[0])
    remove_store(reference)
    written: list[int] = []
    real_write = PartialStore.write_shard

    def write_then_die(self: PartialStore, index: int, *a: object, **k: object) -> Path:
        if len(written) == 2:
            raise KeyboardInterrupt  # killed after two shards
        written.append(index)
        return real_write(self, index, *a, **k)

    monkeypatch.setattr(PartialStore, "write_shard", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        ensure_store("tiny", layers="all", dataset=data, progress=False, shard_samples=6)
    assert list_stores() == [] and len(list_partial()) == 1  # nothing visible, work kept
    monkeypatch.setattr(PartialStore, "write_shard", real_write)
    extracted: list[int] = []
    real_shards = builder.extract_shards

    def spy(job: ShardJob) -> None:
        extracted.extend(job.todo)
        real_shards(job)

    monkeypatch.setattr(builder, "extract_shards", spy)
    done = ensure_store("tiny", layers="all", dataset=data, progress=False, shard_samples=6)
    assert extracted == [2] and list_partial() == []
    assert np.allclose(done.read(1)[0], ref, atol=1e-5)


def test_a_different_plan_discards_the_unfinished_extraction(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _data(8, seed=5, empty_every=0)

    def die(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(PartialStore, "write_shard", die)  # undone alone: SYMBOLSCOPE_HOME stays set
        ensure_store("tiny", layers="0", dataset=data, progress=False, shard_samples=4)
    assert len(list_partial()) == 1
    store = ensure_store("tiny", layers="1", dataset=data, progress=False, shard_samples=4)
    assert store.layers == [1] and list_partial() == []


def test_full_disk_is_one_line_exit_2_and_publishes_nothing(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    split = write_jsonl(tmp_path / "s.jsonl", make_samples(5, seed=6))

    real = Path.write_bytes

    def enospc(self: Path, data: bytes) -> int:  # the disk fills at the first shard
        if "shard-" in self.name:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", enospc)
    code = run_cli(main, ["--ckpt", "tiny", "--split", str(split), "--layers", "0", "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: writing store"), err
    assert "shard-00000.safetensors: no space left on the device (needs " in err[0], err
    assert "0/1 finished shards are kept" in err[0] and "a rerun resumes from them" in err[0], err
    assert list_stores() == [] and not any(p.name.startswith(".shard") for p in store_root().rglob("*"))


@pytest.mark.slow
def test_kill_during_writing_leaves_no_store_and_rerun_resumes(home: Path, tmp_path: Path) -> None:
    split = write_jsonl(tmp_path / "s.jsonl", make_samples(40, seed=7))
    args = tiny_all_layers_args(split)
    env = {**os.environ, "SYMBOLSCOPE_HOME": str(home), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis.extract", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline and not list((home / "store").glob(".*.partial/shard-00001*")):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert list_stores() == []  # nothing visible under a store name
    done = _cli(*args, home=home)
    assert done.returncode == 0, done.stderr
    assert "resuming" in done.stderr
    store = list_stores()[0]
    assert len(store) == 40 and list_partial() == []


def test_cli_extract_ls_rm_and_hit(home: Path, tmp_path: Path) -> None:
    split = write_jsonl(tmp_path / "s.jsonl", make_samples(6, seed=8))
    args = ["--ckpt", "tiny", "--split", str(split), "--layers", "0,-1", "--no-progress"]
    assert run_cli(main, args) == 0
    (store,) = list_stores()
    before = {f.name: (f.stat().st_ino, f.stat().st_mtime_ns) for f in store.path.iterdir()}
    hit = _cli(*args, home=home)
    assert hit.returncode == 0 and "n=6" in hit.stdout and store.name in hit.stdout
    # a hit rewrites nothing (a re-extraction would publish new files; wall time is no evidence)
    assert {f.name: (f.stat().st_ino, f.stat().st_mtime_ns) for f in store.path.iterdir()} == before
    assert [s.name for s in list_stores()] == [store.name]
    ls = _cli("ls", home=home)
    name = list_stores()[0].name
    assert name in ls.stdout and "tiny" in ls.stdout
    rm = _cli("rm", name[:20], home=home)
    assert rm.returncode == 0 and list_stores() == []


@pytest.mark.parametrize(
    "args,expect",
    [
        (["--ckpt", "nosuchmodel", "--layers", "0"], "unknown checkpoint alias 'nosuchmodel'"),
        (["--ckpt", "tiny", "--layers", "3"], "valid layers are 0..2"),
        (["--ckpt", "tiny", "--layers", "-4"], "valid layers are 0..2"),
        (["--ckpt", "tiny", "--split", "nosuch"], "unknown split 'nosuch'"),
        (["--ckpt", "tiny", "--batch-tokens", "0"], "--batch-tokens must be a positive"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expect: str
) -> None:
    split = write_jsonl(tmp_path / "s.jsonl", make_samples(2))
    if "--split" not in args:
        args = [*args, "--split", str(split)]
    assert run_cli(main, [*args, "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expect in err[0], err
    assert list_stores() == []


def test_split_with_no_samples_is_one_line_exit_2(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert run_cli(main, ["--ckpt", "tiny", "--split", str(empty)]) == 2
    assert "has no samples" in capsys.readouterr().err
    import symbolcollection as data_pkg

    def load_split(split: str, **kw: object) -> list:
        raise UserError(f"split '{split}' has no samples")

    _fake_collection(tmp_path, monkeypatch, [])
    monkeypatch.setattr(data_pkg, "load_split", load_split, raising=False)
    assert run_cli(main, ["--ckpt", "tiny", "--split", "test"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "split 'test' has no samples" in err[0]


def test_reader_refuses_a_damaged_store(home: Path) -> None:
    store = ensure_store("tiny", layers="0", dataset=_data(3, empty_every=0), progress=False)
    manifest = dict(store.manifest, sample_ids=[*store.sample_ids, "extra"])
    with pytest.raises(UserError, match="shape"):
        Store(store.path, manifest).read(0)


def _fake_collection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, samples: list) -> dict[str, int]:
    """Stand in for symbolcollection's collection API: a folder of split files and a counted loader."""
    import symbolcollection as data_pkg

    folder = tmp_path / "collection"
    for name in ("analysis", "evol_analysis"):
        (folder / "dataset" / name).mkdir(parents=True)
        (folder / "dataset" / name / "data.arrow").write_text("v1")
    calls = {"load_split": 0}

    def load_split(split: str, **kw: object) -> list:
        calls["load_split"] += 1
        return list(samples)

    monkeypatch.setattr(data_pkg, "ensure_collection", lambda seed=0: folder, raising=False)
    monkeypatch.setattr(data_pkg, "load_split", load_split, raising=False)
    monkeypatch.setattr(
        data_pkg, "evol_pairs", lambda split, seed=0: [(samples[0].id, samples[1].id)], raising=False
    )
    return calls


def test_split_hit_reads_no_split_and_a_rebuilt_collection_is_reread(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    samples = make_samples(5, seed=10)
    calls = _fake_collection(tmp_path, monkeypatch, samples)
    first = ensure_store("tiny", split="analysis", layers="0", progress=False)
    assert calls["load_split"] == 1 and first.evol_of[1] == samples[0].id
    hit = ensure_store("tiny", split="analysis", layers="0", progress=False)
    assert calls["load_split"] == 1 and hit.path == first.path  # the split was not read again
    (tmp_path / "collection" / "dataset" / "analysis" / "data.arrow").write_text("v2 rebuilt")
    again = ensure_store("tiny", split="analysis", layers="0", progress=False)
    assert calls["load_split"] == 2 and again.path == first.path  # same content: same store


def test_bfloat16_extraction_is_close_to_float32(home: Path) -> None:
    data = _data(4, seed=12, empty_every=0)
    f32 = ensure_store("tiny", layers="1,final_norm", dataset=data, progress=False)
    bf16 = ensure_store("tiny", layers="1,final_norm", dataset=data, progress=False, dtype="bfloat16")
    assert bf16.path != f32.path and bf16.manifest["dtype"] == "bfloat16"
    a, b = f32.read(1)[0], bf16.read(1)[0]
    assert b.dtype == np.float32 and np.isfinite(b).all()
    assert np.abs(a - b).max() <= 0.05 * np.abs(a).max() and not np.array_equal(a, b)
