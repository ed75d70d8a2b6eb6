"""The scale path: two CPU processes (gloo) extract disjoint shards into one store, identical to
a single-process extraction."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.extract import make_home, make_samples, tiny_all_layers_args, write_jsonl

from symbolscope.distributed import my_shards

ROOT = Path(__file__).resolve().parents[2]


def test_round_robin_shards_cover_everything_once() -> None:
    for num, world in ((10, 2), (3, 4), (7, 3), (0, 2)):
        got = sorted(k for r in range(world) for k in my_shards(num, r, world))
        assert got == list(range(num))
    with pytest.raises(ValueError):
        my_shards(4, 2, 2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_gloo_ranks_build_the_same_store_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    split = write_jsonl(tmp_path / "s.jsonl", make_samples(30, seed=9, empty_every=7))
    args = [*tiny_all_layers_args(split), "--symbols", "--symbol-layers", "1,final_norm"]
    homes = {name: make_home(tmp_path / name) for name in ("dist", "single")}
    base_env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(_free_port()),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "analysis.extract", *args],
            cwd=ROOT,
            env={
                **base_env,
                "SYMBOLSCOPE_HOME": str(homes["dist"]),
                "WORLD_SIZE": "2",
                "RANK": str(r),
                "LOCAL_RANK": str(r),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    assert "rank 0/2 extracts shards [0, 2, 4, 6]" in outs[0][1]
    assert "rank 1/2 extracts shards [1, 3, 5, 7]" in outs[1][1]
    from analysis.extract import ensure_store
    from analysis.extract.samples import load_dataset
    from analysis.store import Store
    from analysis.symbolstore import SymbolStore

    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(homes["single"]))
    one = ensure_store(
        "tiny",
        layers="all",
        dataset=load_dataset(str(split)),
        progress=False,
        shard_samples=4,
        symbols=True,
        symbol_layers="1,final_norm",
    )
    dist = Store.open(next(p for p in (homes["dist"] / "store").iterdir() if not p.name.startswith(".")))
    assert dist.name == one.name and dist.manifest["world_size"] == 2
    assert dist.sample_ids == one.sample_ids and len(dist) == 30 - 4  # 4 empty outputs skipped
    for layer in one.layers:
        assert np.allclose(dist.read(layer)[0], one.read(layer)[0], atol=1e-5)
    sym_one, sym_dist = SymbolStore.of(one), SymbolStore.of(dist)
    assert sym_dist.table == sym_one.table and len(sym_one) > 50  # the same rows, in the same order
    assert sym_dist.skipped == sym_one.skipped and sym_one.skipped  # word soup: some outputs do not lex
    for layer in ("1", "final_norm"):
        assert np.allclose(sym_dist.read(layer), sym_one.read(layer), atol=1e-3)  # float16
    assert not [p for p in (homes["dist"] / "store").iterdir() if p.name.endswith(".partial")]
