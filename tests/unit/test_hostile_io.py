"""The shared writer, reader and limits behind the hostile trial (issue 20, point 7), in-process:
the ownership ledger, a full disk, regular files only with a size cap, deep JSON, worker counts,
settings, and the figures' row check."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import math
import os
import re
import threading
from pathlib import Path

import numpy as np
import pytest
from support.hostile import deep_json, small_disk

from analysis.metrics.similarity import cross_moments
from analysis.similarity import format_table
from figures.rows import FIELDS, check_rows
from symbolscope import cores, paths
from symbolscope.errors import UserError
from symbolscope.io import LEDGER, atomic_write_bytes, atomic_write_text, check_replaceable
from symbolscope.reading import json_lines, read_bytes, read_json
from symbolscope.results import Result


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- ownership ------------------------------------------------------------------------------


def test_owned_write_records_its_hash_and_may_replace_only_its_own_file(tmp_path: Path) -> None:
    target = tmp_path / "probes" / "README.md"
    atomic_write_text(target, "one\n", owned=True)
    ledger = json.loads((tmp_path / "probes" / LEDGER).read_text())["files"]
    assert ledger == {"README.md": hashlib.sha256(b"one\n").hexdigest()}
    atomic_write_text(target, "two\n", owned=True)  # the suite's own, unchanged since: replaced
    assert target.read_text() == "two\n"
    assert json.loads((tmp_path / "probes" / LEDGER).read_text())["files"]["README.md"] == _sha(target)


def test_a_users_file_or_an_edited_one_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    mine = tmp_path / "figures" / "probes.png"
    mine.parent.mkdir()
    mine.write_bytes(b"the user's picture")
    with pytest.raises(UserError, match=r"probes\.png: exists and was not written by symbolscope"):
        atomic_write_bytes(mine, b"new", owned=True)
    assert mine.read_bytes() == b"the user's picture"
    assert sorted(p.name for p in mine.parent.iterdir()) == ["probes.png"]  # no temp file, no ledger

    ours = tmp_path / "figures" / "umap.png"
    atomic_write_bytes(ours, b"drawn by the suite", owned=True)
    ours.write_bytes(b"edited by the user")
    with pytest.raises(UserError, match="changed since the suite wrote it"):
        atomic_write_bytes(ours, b"redrawn", owned=True)
    assert ours.read_bytes() == b"edited by the user"


def test_a_symlinked_folder_is_never_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "figures").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UserError, match=r"figures: is a symlink"):
        atomic_write_bytes(tmp_path / "results" / "figures" / "x.png", b"png", owned=True)
    assert list(elsewhere.iterdir()) == []
    link = tmp_path / "results" / "evaluate"
    link.mkdir()
    (link / "r.json").symlink_to(elsewhere / "victim.json")
    with pytest.raises(UserError, match="not a regular file the suite wrote"):
        check_replaceable(link / "r.json")


def test_result_save_refuses_a_run_id_file_it_did_not_write(tmp_path: Path) -> None:
    res = Result("uniformity", {"seed": 0}, [{"ckpt": "a"}])
    (tmp_path / "uniformity").mkdir()
    squatter = tmp_path / "uniformity" / f"{res.run_id}.csv"
    squatter.write_text("user data\n")
    with pytest.raises(UserError, match="not written by symbolscope"):
        res.save(tmp_path)
    assert squatter.read_text() == "user data\n"
    assert not (tmp_path / "uniformity" / f"{res.run_id}.json").exists()  # neither file written


def test_concurrent_owned_writers_keep_every_entry_of_the_ledger(tmp_path: Path) -> None:
    def write(i: int) -> None:
        atomic_write_text(tmp_path / "eval" / f"{i}.md", f"report {i}\n", owned=True)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ledger = json.loads((tmp_path / "eval" / LEDGER).read_text())["files"]
    assert ledger == {f"{i}.md": hashlib.sha256(f"report {i}\n".encode()).hexdigest() for i in range(8)}


# --- full disk ------------------------------------------------------------------------------


def test_full_disk_is_one_line_naming_the_path_and_bytes_and_leaves_nothing(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", free=64 << 10) as disk:
        target = disk / "out" / "big.json"
        before = sorted(p.name for p in disk.iterdir())
        with pytest.raises(UserError) as info:
            atomic_write_bytes(target, b"x" * (1 << 20), owned=True)
        msg = str(info.value)
        assert "\n" not in msg and str(target) in msg and f"needs {1 << 20} bytes" in msg
        assert not target.exists() and not [p for p in target.parent.iterdir()]  # no temp file left
        assert sorted(p.name for p in disk.iterdir()) == sorted([*before, "out"])
        atomic_write_bytes(disk / "out" / "small.json", b"{}")  # what fits is still written


def test_enospc_raised_by_the_lowest_write_is_the_same_line(tmp_path: Path, monkeypatch) -> None:
    """Where no file system can be filled: ENOSPC from the write the atomic writer makes (simulated)."""

    def full(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(
        UserError, match=r"cannot write .*a\.bin: no space left on the device \(needs 3 bytes"
    ):
        atomic_write_bytes(tmp_path / "a.bin", b"abc")
    assert list(tmp_path.iterdir()) == []


# --- reading --------------------------------------------------------------------------------


def test_a_fifo_or_a_device_is_refused_before_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "results.json"
    os.mkfifo(fifo)  # no writer: a blocking open would hang forever
    with pytest.raises(UserError, match=r"results\.json: a FIFO \(named pipe\); give a regular file"):
        Result.load(fifo)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    with pytest.raises(UserError, match="a character device"):
        read_json(zero, "results file")
    with pytest.raises(UserError, match="a folder"):
        read_bytes(tmp_path)


def test_a_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    big.write_bytes(b"{}\n" * 1000)
    assert read_bytes(big, max_bytes=3000) == b"{}\n" * 1000
    with pytest.raises(UserError, match="3000 bytes is over the 2999 byte limit"):
        read_bytes(big, "predictions", max_bytes=2999)


def test_json_nested_100000_deep_is_one_line_with_the_line_number(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n\n' + deep_json() + "\n")
    lines = json_lines(path, "split")
    assert next(lines) == (1, {"a": 1})
    with pytest.raises(UserError, match=r"rows\.jsonl:3: JSON nests too deeply to read"):
        next(lines)
    res = tmp_path / "r.json"
    res.write_text('{"config": {}, "rows": [' + deep_json() + "]}")
    with pytest.raises(UserError, match="JSON nests too deeply"):
        Result.load(res)


# --- workers, settings ----------------------------------------------------------------------


def test_worker_count_is_clamped_to_usable_cores_and_absurd_values_refused(monkeypatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert cores.usable_cores() == 2
    assert [cores.worker_count(n, warn=False) for n in (1, 2, 3, 200, -1)] == [1, 2, 2, 2, 2]
    for bad in (0, -2, 1000, True, 2.5):
        with pytest.raises(UserError, match=r"--jobs must be -1 \(every core\) or an integer from 1 to 256"):
            cores.worker_count(bad)


def test_settings_file_named_but_missing_or_a_folder_is_an_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SYMBOLSCOPE_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(UserError, match=r"SYMBOLSCOPE_CONFIG=.*nope\.toml: does not exist"):
        paths.settings()
    monkeypatch.setenv("SYMBOLSCOPE_CONFIG", str(tmp_path))
    with pytest.raises(UserError, match="is a folder"):
        paths.settings()


def test_unknown_paths_keys_are_warned_by_name(tmp_path: Path, monkeypatch) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text('[paths]\nruns = "r"\nrunz = "x"\nstore = "y"\n')
    monkeypatch.setenv("SYMBOLSCOPE_CONFIG", str(cfg))
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("symbolscope.paths")
    logger.addHandler(handler)
    try:
        assert paths.settings()["paths"]["runs"] == "r"
        paths.settings()  # once per file
    finally:
        logger.removeHandler(handler)
    assert seen == [f"{cfg}: unknown [paths] key(s) ['runz', 'store'] ignored; known: runs, bbh"]


# --- studies and figures --------------------------------------------------------------------


def test_cka_ties_across_int_and_final_norm_layers_print_and_tiny_n_is_refused() -> None:
    rows = [
        {
            "ckpt_a": "a",
            "ckpt_b": "a",
            "layer_a": la,
            "layer_b": la,
            "measure": "cka",
            "value": 1.0,
            "n": 9,
            "matched": True,
        }
        for la in (0, 1, "final_norm")
    ]
    table = format_table(rows)
    assert "changed most (lowest CKA): layer 0 (1.000), layer 1 (1.000), layer final_norm (1.000)" in table
    x = np.arange(6.0).reshape(3, 2)
    with pytest.raises(UserError, match="needs at least 4 samples, got 3"):
        cross_moments(x, x).hsic()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (float("nan"), "field 'x' is nan; the figure needs a finite number"),
        ("0.5", "field 'x' is str '0.5'; the figure needs a finite number"),
        (None, "field 'x' is null; the figure needs a finite number"),
        (math.inf, "field 'x' is inf"),
        (True, "field 'x' is bool 'True'"),
    ],
)
def test_a_row_a_figure_would_draw_from_a_bad_value_is_named(value, says) -> None:
    good = {"fit": "pca", "ckpt": "a", "layer": 1, "family": "sql", "x": 0.1, "y": 0.2}
    rows = [good, {**good, "x": value}]
    with pytest.raises(UserError, match="^" + re.escape(f"results/projection/r.json: row 1: {says}")):
        check_rows(rows, FIELDS["projection"], "results/projection/r.json")
    check_rows([good, {**good, "layer": "final_norm"}], FIELDS["projection"], "ok")


def test_a_missing_field_is_named_and_null_is_allowed_where_figures_skip_it() -> None:
    row = {"ckpt": "a", "layer": 0, "family": "sql", "alignment": None, "uniformity": None}
    check_rows([row], FIELDS["uniformity"], "u.json")
    with pytest.raises(UserError, match=r"u\.json: row 0: field 'family' is missing"):
        check_rows([{k: v for k, v in row.items() if k != "family"}], FIELDS["uniformity"], "u.json")
    with pytest.raises(
        UserError,
        match=re.escape(
            """row 0: field 'alignment_ci' is list "[0.1, 'a']"; the figure needs a [low, high]"""
        ),
    ):
        check_rows([{**row, "alignment_ci": [0.1, "a"]}], FIELDS["uniformity"], "u.json")


def test_deep_json_in_a_store_manifest_or_a_training_set_is_one_line(tmp_path: Path) -> None:
    from analysis.store import MANIFEST, read_manifest
    from trainer.sources import read_jsonl

    store = tmp_path / "store"
    store.mkdir()
    (store / MANIFEST).write_text('{"shards": ' + deep_json() + "}")
    with pytest.raises(
        UserError, match=r"store: not an activation store \(store manifest .*JSON nests too deeply"
    ):
        read_manifest(store)
    (store / MANIFEST).unlink()
    os.mkfifo(store / MANIFEST)
    with pytest.raises(UserError, match="a FIFO"):
        read_manifest(store)
    data = tmp_path / "train.jsonl"
    data.write_text(json.dumps({"instruction": "Q", "output": "A"}) + "\n" + deep_json() + "\n")
    with pytest.raises(UserError, match=r"train\.jsonl:2: not a sample \(RecursionError"):
        read_jsonl(data)


def test_out_preflight_leaves_nothing_behind_and_names_a_file_in_the_way(tmp_path: Path) -> None:
    from analysis.study_cli import check_out

    out = tmp_path / "results"
    assert check_out(out, "probes", ("probes",), fixed=("README.md",)) == out
    assert list(tmp_path.iterdir()) == []  # not even the folder: a refused run later leaves nothing
    (tmp_path / "afile").write_text("x")
    with pytest.raises(
        UserError, match=r"--out .*afile/probes: cannot write there \(.*afile is a file, not a folder\)"
    ):
        check_out(tmp_path / "afile", "probes")
    assert paths.writable_dir(tmp_path / "made", "--out") == tmp_path / "made"  # create=True makes it
    assert [p.name for p in (tmp_path / "made").iterdir()] == []
