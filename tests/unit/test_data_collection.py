"""The built collection end to end (at a small scale): CLI build/stats/show, the public API,
hash splits without shared outputs, Symbol-Evol pairs, general NL, mixing, and byte-identical
rebuilds from the same seed."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.home import share_sources

from symbolcollection import collection
from symbolcollection.build import ensure_built
from symbolcollection.cli import main
from symbolcollection.fingerprint import normalise_output
from symbolcollection.mixing import mix, mix_card
from symbolcollection.schema import Sample
from symbolscope.errors import UserError, run_cli

SCALE = "0.05"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = share_sources(tmp_path_factory.mktemp("home"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SYMBOLSCOPE_HOME", str(home))
        mp.setenv("SYMBOLSCOPE_DATA_SCALE", SCALE)
        assert run_cli(main, ["build"]) == 0
        yield collection.ensure_collection()


def test_build_is_cached_fast_and_leaves_no_temp(built: Path) -> None:
    t0 = time.perf_counter()
    assert collection.ensure_collection() == built
    assert time.perf_counter() - t0 < 1.0
    assert [p.name for p in built.parent.iterdir() if p.name.startswith(".")] == []
    assert (built / "card.json").is_file() and (built / "dataset").is_dir()


def test_stats_shows_families_tasks_and_templates(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(main, ["stats", "--words"]) == 0
    out = capsys.readouterr().out
    assert "19 families, 31 tasks" in out
    assert "templates" in out and "sql / nl2sql-select" in out and "human-eval" in out.lower()


def test_show_prints_a_sample(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sid = collection.load_split("train")[0].id
    assert run_cli(main, ["show", sid]) == 0
    assert f'"id": "{sid}"' in capsys.readouterr().out
    assert run_cli(main, ["show", "no-such-id"]) == 2


def test_splits_share_no_output_and_analysis_is_balanced(built: Path) -> None:
    seen: dict[str, str] = {}
    for split in collection.SPLITS:
        for s in collection.load_split(split, include_evol=True):
            key = normalise_output(s.output)
            assert seen.setdefault(key, split) == split, (key, split)
    per_family = Counter(s.family for s in collection.load_split("analysis"))
    assert len(per_family) == 19 and len(set(per_family.values())) == 1


def test_load_split_filters_orders_and_rejects_bad_requests(built: Path) -> None:
    train = collection.load_split("train")
    assert train == collection.load_split("train")
    assert train == sorted(train, key=lambda s: (s.family, s.task, s.id))
    sql = collection.load_split("train", families=["sql", "fol"])
    assert sql and {s.family for s in sql} == {"sql", "fol"}
    with pytest.raises(UserError, match="unknown split 'dev'"):
        collection.load_split("dev")
    with pytest.raises(UserError, match="unknown family 'klingon'"):
        collection.load_split("train", families=["klingon"])


def test_evol_pairs_match_evolved_samples(built: Path) -> None:
    plain = {s.id: s for s in collection.load_split("analysis")}
    with_evol = {s.id: s for s in collection.load_split("analysis", include_evol=True)}
    pairs = collection.evol_pairs("analysis")
    assert pairs
    for orig, evolved in pairs:
        assert orig in plain and evolved in with_evol and evolved not in plain
        assert with_evol[evolved].source.endswith("+evol")
        assert with_evol[evolved].family == plain[orig].family


def test_general_split_and_mix(built: Path) -> None:
    train, test = collection.load_general("train"), collection.load_general("test")
    assert train and test and {s.family for s in train + test} == {"nl"}
    assert not {s.output for s in train} & {s.output for s in test}
    symbolic = collection.load_split("train")
    mixed = mix(symbolic, train, 0.25, seed=1)
    assert mixed == mix(symbolic, train, 0.25, seed=1)
    card = mix_card(symbolic, train, 0.25, 1, mixed)
    assert abs(card["achieved_ratio"] - 0.25) < 0.01  # type: ignore[operator]
    assert Counter(s.id for s in mixed if s.family != "nl") == Counter(s.id for s in symbolic)


def test_fingerprint_is_stable_and_content_sensitive(built: Path) -> None:
    a = collection.load_split("test")
    fp = collection.dataset_fingerprint(a)
    assert fp == collection.dataset_fingerprint(list(a)) and len(fp) == 64
    assert fp != collection.dataset_fingerprint(a[::-1])
    changed = [Sample(**{**a[0].to_dict(), "output": a[0].output + " "}), *a[1:]]
    assert fp != collection.dataset_fingerprint(changed)


def test_same_seed_rebuild_is_byte_identical(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(share_sources(tmp_path / "home")))
    again = ensure_built(0, scale=float(SCALE))
    assert again.name == built.name

    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
        }

    assert files(again) == files(built)


def test_exported_split_validates_and_rules_recover_families(
    built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from symbolcollection.infer import infer_family

    out = tmp_path / "analysis.jsonl"
    assert run_cli(main, ["export", "analysis", str(out)]) == 0
    assert run_cli(main, ["validate", str(out)]) == 0
    n = len(collection.load_split("analysis"))
    assert f"{n} rows, {n} valid, 0 invalid" in capsys.readouterr().out
    # the inference rules, applied without the family field, agree with the generators' labels
    samples = collection.load_split("train") + collection.load_split("analysis")
    agree = sum(infer_family(s.instruction, s.output) == s.family for s in samples) / len(samples)
    assert agree >= 0.95


def test_load_cli_stores_a_released_file_keyed_by_content(
    built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "r.jsonl"
    src.write_text('{"instruction": "SQL please", "input": "", "output": "SELECT a FROM t"}\n')
    assert run_cli(main, ["load", str(src)]) == 0
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert run_cli(main, ["load", str(src)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == first
    assert Path(first).name.startswith("released-") and (Path(first) / "dataset").is_dir()


def test_stats_token_counts_use_the_embedded_tokenizer(built: Path) -> None:
    from symbolcollection.tokens import CACHE_NAME, counter

    count, unit = counter(use_tokenizer=True)
    assert unit == "smollm2 tokens"
    texts = ["SELECT name FROM staff WHERE salary > 10", "(lambda $0 e (state:t $0))"]
    tokens = count(texts)
    words, _ = counter(use_tokenizer=False)
    assert all(t > w for t, w in zip(tokens, words(texts), strict=True))
    assert (built.parent / CACHE_NAME / "tokenizer.json").is_file()
    again, _ = counter(use_tokenizer=True)
    assert again(texts) == tokens
