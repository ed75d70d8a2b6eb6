"""The symbol store: written in the extraction's one pass, read back, hit and extended like the
sample store, resumed after a kill, and a store without symbols named with the command to add them."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support.extract import make_home, write_jsonl

from analysis.extract import ensure_store
from analysis.extract.capture import capturing
from analysis.extract.engine import extract_chunk
from analysis.extract.samples import from_samples
from analysis.extract.spans import prepare
from analysis.extract.writer import PartialStore
from analysis.store import list_partial, list_stores
from analysis.symbolstore import SymbolStore
from lm.checkpoints import load_model, load_tokenizer, resolve
from symbolcollection import load_split, registry
from symbolscope.errors import UserError


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_home(tmp_path)
    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(path))
    return path


@pytest.fixture(scope="module")
def data():
    """One analysis sample of every family, plus one SQL output that does not lex."""
    per: dict[str, object] = {}
    for s in load_split("analysis"):
        per.setdefault(s.family, s)
    samples = [per[f] for f in registry.names()]
    bad = replace(per["sql"], id="unlexable", output='SELECT "unterminated')
    return from_samples([*samples, bad], "unit")


def _symbols(**kw):
    return dict(layers="0,2", progress=False, symbols=True, symbol_layers="1,2,final_norm", **kw)


def test_written_table_and_vectors_match_the_engine(home: Path, data) -> None:
    store = ensure_store("tiny", dataset=data, **_symbols(shard_samples=7))
    sym = SymbolStore.of(store)
    assert sym.layers == [1, 2, "final_norm"] and sym.manifest["dtype"] == "float16"
    assert sym.skipped == [{"id": "unlexable", "reason": sym.skipped[0]["reason"]}]
    assert "sql" in sym.skipped[0]["reason"]
    ckpt = resolve("tiny")
    model, tok = load_model(ckpt), load_tokenizer(ckpt)
    items = [prepare(tok, s, "symbol", i, symbols=True) for i, s in enumerate(data.samples)]
    want: dict = {}
    with capturing(model, [2], [1, 2, "final_norm"]) as cap:
        extract_chunk(cap, items, tok.pad_token_id, 64, symbols_out=want)
    table = sym.table
    assert len(table) == sum(len(it.symbols) for it in items) == len(want[1])
    expected_ids = [it.sample_id for it in items for _ in it.symbols]
    assert list(table.sample_id) == expected_ids and len(store.manifest["symbols"]["layers"]) == 3
    first = items[0].symbols[0]
    assert (table.symbol[0], table.start[0], table.end[0]) == (
        first.symbol.text,
        first.symbol.start,
        first.symbol.end,
    )
    for key in (1, 2, "final_norm"):
        got = sym.read(key)
        assert got.dtype == np.float32 and got.shape == want[key].shape
        # float16 in the store; the store's batches (shards of 7, each after its shared prefix)
        # differ from this one chunk, so the two agree to float16 rounding, not bit for bit
        assert np.allclose(got, want[key], rtol=2**-10, atol=1e-6)
    assert set(table.family) == set(registry.names()) and any(c for c in table.concept)


def test_hits_extends_and_names_the_command_that_adds_symbols(home: Path, data) -> None:
    plain = ensure_store("tiny", dataset=data, layers="0,2", progress=False)
    with pytest.raises(UserError, match=r"without symbols; add them with .*--symbols"):
        SymbolStore.of(plain)
    before = np.array(plain.read(2)[0])
    with_symbols = ensure_store("tiny", dataset=data, **_symbols())
    assert with_symbols.path == plain.path and with_symbols.manifest["symbols"]["rows"] > 0
    assert np.array_equal(with_symbols.read(2)[0], before)  # the same pass, the same sample vectors
    again = ensure_store("tiny", dataset=data, layers="2", progress=False)  # no symbols asked: a hit
    assert again.manifest["created"] == with_symbols.manifest["created"]
    more = ensure_store("tiny", dataset=data, **{**_symbols(), "symbol_layers": "0"})
    assert SymbolStore.of(more).layers == [0, 1, 2, "final_norm"]  # the union, in one new pass
    with pytest.raises(UserError, match="symbol span"):
        ensure_store("tiny", dataset=data, span="last", **_symbols())


def test_a_kill_between_shards_resumes_with_the_symbols(home: Path, data, monkeypatch) -> None:
    reference = SymbolStore.of(ensure_store("tiny", dataset=data, **_symbols(shard_samples=7)))
    ref_rows, ref = reference.table, reference.read(2)
    for store in list_stores():
        shutil.rmtree(store.path)
    real = PartialStore.write_shard
    written: list[int] = []

    def die_after_one(self: PartialStore, index: int, *a: object, **k: object) -> Path:
        if written:
            raise KeyboardInterrupt
        written.append(index)
        return real(self, index, *a, **k)

    monkeypatch.setattr(PartialStore, "write_shard", die_after_one)
    with pytest.raises(KeyboardInterrupt):
        ensure_store("tiny", dataset=data, **_symbols(shard_samples=7))
    assert list_stores() == [] and len(list_partial()) == 1
    monkeypatch.setattr(PartialStore, "write_shard", real)
    done = SymbolStore.of(ensure_store("tiny", dataset=data, **_symbols(shard_samples=7)))
    assert done.table == ref_rows and np.array_equal(done.read(2), ref)
    assert len(done.manifest["shards"]) == 3


def test_several_splits_are_extracted_with_one_model_load_per_checkpoint(
    home: Path, data, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import analysis.extract.engine as engine
    from analysis.extract.cli import main

    first = write_jsonl(tmp_path / "a.jsonl", data.samples[:5])
    second = write_jsonl(tmp_path / "b.jsonl", data.samples[5:9])
    loads: list[str] = []
    real = engine.load_model
    monkeypatch.setattr(
        engine, "load_model", lambda ckpt, *a, **k: loads.append(ckpt.alias) or real(ckpt, *a, **k)
    )
    assert main(["--ckpt", "tiny", "--split", f"{first},{second}", "--layers", "1", "--no-progress"]) == 0
    assert loads == ["tiny"] and len(list_stores()) == 2
    assert main(["--ckpt", "tiny", "--split", f"{second}", "--layers", "0", "--no-progress"]) == 0
    assert loads == ["tiny", "tiny"]  # released after the command: a new call loads again
    monkeypatch.setattr("analysis.extract.cli.DERIVED_SPLITS", (str(second),))  # as the corrupted twins
    assert (
        main(
            ["--ckpt", "tiny", "--split", f"{first},{second}", "--layers", "1", "--symbols", "--no-progress"]
        )
        == 0
    )
    by_split = {s.manifest["dataset"]["split"]: s for s in list_stores()}
    assert by_split[str(first)].manifest["symbols"]["rows"] > 0  # the twins get no symbols
    assert not by_split[str(second)].manifest.get("symbols") and loads == ["tiny"] * 3
