"""The rest of the hostile trial (issue 20, point 7) through the real CLIs: each bad input is one
line and exit 2 (or a bounded, correct run), nothing half-written, nothing of the user's replaced.

Full disks are real tmpfs mounts filled to a few bytes (:func:`support.hostile.small_disk`),
read-only folders read-only tmpfs mounts; every model is the embedded ``tiny``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from support.cli import run_module
from support.extract import make_home, make_samples, write_jsonl
from support.hostile import assert_clean, deep_json, read_only_dir, small_disk

from symbolscope.io import LEDGER
from symbolscope.results import Result
from trainer import toydata
from trainer.config import CONFIG_DIR

LIMIT_S = 300
MANY = 40  # stderr lines allowed before the error line of a run that did work (progress bars, warnings)


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("split") / "split.jsonl", make_samples(24, seed=0))


def _study(module: str, split: Path, out: Path, *extra: str) -> list[str]:
    args = [module, "--ckpt", "tiny", "--split", str(split), "--out", str(out), *extra]
    if module == "analysis.evaluate":  # scores a predictions file: no model, no generation
        return [module, "--predictions", str(split), "--split", "test", "--out", str(out)]
    return args


STUDIES = ["probes", "analysis.similarity", "analysis.projection", "analysis.uniformity", "analysis.evaluate"]


@pytest.mark.parametrize("module", STUDIES)
def test_out_naming_a_file_or_a_read_only_folder_is_refused_before_the_work(tmp_path, split, module) -> None:
    home = make_home(tmp_path)
    afile = tmp_path / "results.txt"
    afile.write_text("mine\n")
    proc = run_module(*_study(module, split, afile), home=home, timeout=LIMIT_S)
    assert_clean(proc, says=f"cannot write there ({afile} is a file, not a folder)")
    assert afile.read_text() == "mine\n"
    with read_only_dir(tmp_path / "ro") as ro:
        proc = run_module(*_study(module, split, ro), home=home, timeout=LIMIT_S)
        assert_clean(proc, says=f"--out {ro}/")
        assert "cannot write there" in proc.stderr
    assert not (home / "store").exists()  # refused before any extraction: no work was done


def test_probes_leaves_a_users_readme_and_figure_alone(tmp_path, split) -> None:
    home = make_home(tmp_path)
    folder = tmp_path / "FOLDER"
    (folder / "probes").mkdir(parents=True)
    (folder / "figures").mkdir()
    readme, png = folder / "probes" / "README.md", folder / "figures" / "probes.png"
    readme.write_text("my notes\n")
    png.write_bytes(b"my picture")
    args = (
        "probes",
        "--ckpt",
        "tiny",
        "--split",
        str(split),
        "--target",
        "family",
        "--folds",
        "2",
        "--no-mdl",
        "--no-control",
        "--no-progress",
        "--out",
        str(folder),
    )
    proc = run_module(*args, home=home, timeout=LIMIT_S)
    assert_clean(proc, says=f"{readme}: exists and was not written by symbolscope")
    assert not (home / "store").exists()  # refused before the work
    readme.unlink()
    proc = run_module(*args, home=home, timeout=LIMIT_S)
    assert_clean(proc, says=f"{png}: exists and was not written by symbolscope")
    assert png.read_bytes() == b"my picture" and sorted(p.name for p in png.parent.iterdir()) == [
        "probes.png"
    ]
    png.unlink()
    proc = run_module(*args, home=home, timeout=LIMIT_S)
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc = run_module(*args, home=home, timeout=LIMIT_S)  # its own files: replaced on a rerun
    assert proc.returncode == 0, proc.stderr[-2000:]
    owned = json.loads((folder / "figures" / LEDGER).read_text())["files"]
    assert set(owned) == {"probes.png", "probes.pdf"}


def _projection(results: Path, x: object = 0.5, drop: str = "") -> Path:
    rows = [
        {
            "fit": "pca",
            "ckpt": "tiny",
            "fingerprint": "f",
            "layer": 1,
            "sample_id": f"s{i}",
            "family": "sql",
            "x": float(i),
            "y": 1.0 - i,
        }
        for i in range(4)
    ]
    rows[2]["x"] = x
    if drop:
        del rows[2][drop]
    path, _ = Result("projection", {"layer": 1}, rows).save(results)
    return path


def test_figures_never_write_through_a_symlinked_folder(tmp_path) -> None:
    results, elsewhere = tmp_path / "results", tmp_path / "elsewhere"
    _projection(results)
    elsewhere.mkdir()
    (results / "figures").symlink_to(elsewhere, target_is_directory=True)
    proc = run_module("figures", "projection", "--results", str(results), timeout=LIMIT_S)
    assert_clean(proc, says=f"{results / 'figures'}: is a symlink")
    assert list(elsewhere.iterdir()) == []
    (results / "figures").unlink()
    (results / "figures").mkdir()
    (results / "figures" / "projection.pdf").write_text("the user's file")
    proc = run_module("figures", "all", "--results", str(results), timeout=LIMIT_S)
    assert_clean(
        proc, says=f"{results / 'figures' / 'projection.pdf'}: exists and was not written by symbolscope"
    )
    assert [p.name for p in (results / "figures").iterdir()] == [
        "projection.pdf"
    ]  # nothing drawn, nothing replaced
    (results / "figures" / "projection.pdf").unlink()
    for _ in range(2):  # the second run replaces the suite's own files
        proc = run_module("figures", "projection", "--results", str(results), timeout=LIMIT_S)
        assert proc.returncode == 0, proc.stderr
    assert (results / "figures" / "projection.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("x", "drop", "says"),
    [
        (float("nan"), "", "field 'x' is nan"),
        ("0.5", "", "field 'x' is str '0.5'"),
        (None, "", "field 'x' is null"),
        (0.5, "y", "field 'y' is missing"),
    ],
)
def test_figures_refuse_a_row_with_nan_string_null_or_missing_values(tmp_path, x, drop, says) -> None:
    results = tmp_path / "results"
    path = _projection(results, x, drop)
    proc = run_module("figures", "projection", "--results", str(results), timeout=LIMIT_S)
    assert_clean(proc, says=f"{path}: row 2: {says}")
    assert not (results / "figures").exists()


def test_figures_refuse_strings_where_uniformity_numbers_belong(tmp_path) -> None:
    rows = [
        {"ckpt": "a", "layer": layer, "family": "sql", "alignment": 0.5, "uniformity": -1.0}
        for layer in (0, 1)
    ]
    rows[1]["alignment"] = "0.5"  # matplotlib raised AttributeError on this
    path, _ = Result("uniformity", {"t": 2}, rows).save(tmp_path)
    proc = run_module("figures", "all", "--results", str(tmp_path), timeout=LIMIT_S)
    assert_clean(proc, says=f"{path}: row 1: field 'alignment' is str '0.5'")
    assert not (tmp_path / "figures").exists()


def test_full_disk_under_the_store_writer_is_one_line_and_the_rerun_resumes(tmp_path, split) -> None:
    args = (
        "analysis.extract",
        "run",
        "--ckpt",
        "tiny",
        "--split",
        str(split),
        "--layers",
        "all",
        "--shard-samples",
        "4",
        "--no-progress",
    )
    with small_disk(tmp_path / "disk", free=24 << 10) as disk:
        home = make_home(disk)
        proc = run_module(*args, home=home, timeout=LIMIT_S)
        err = assert_clean(proc, says="no space left on the device (needs ")
        assert ".partial/shard-0000" in err and "finished shards are kept" in err and "a rerun resumes" in err
        (partial,) = (home / "store").glob(".*.partial")
        done = sorted(p.name for p in partial.glob("shard-*.safetensors"))
        assert done and not list(partial.glob(".*tmp*"))  # finished shards kept, no torn file
        (disk / ".filler").unlink()
        proc = run_module(*args, home=home, timeout=LIMIT_S)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "resuming" in proc.stderr and f"{len(done)}/6 shards already finished" in proc.stderr


def test_full_disk_under_the_results_folder_is_one_line_naming_the_file(tmp_path, split) -> None:
    home = make_home(tmp_path)
    with small_disk(tmp_path / "disk", free=4 << 10) as disk:
        out = disk / "out"
        proc = run_module(
            "analysis.uniformity",
            "--ckpt",
            "tiny",
            "--split",
            str(split),
            "--out",
            str(out),
            "--no-figures",
            home=home,
            timeout=LIMIT_S,
        )
        err = assert_clean(proc, says=f"cannot write {out}/uniformity/", max_lines=MANY)
        assert "no space left on the device (needs " in err
        assert [p.name for p in (out / "uniformity").iterdir()] == []  # nothing half-written


def _train_config(tmp_path: Path) -> Path:
    toy = toydata.write(
        tmp_path / "toy", {"symbolic_train": 24, "symbolic_test": 4, "general_train": 4, "general_test": 4}
    )
    cfg = yaml.safe_load((CONFIG_DIR / "cpu-tiny.yaml").read_text())
    cfg["data"]["collection"] = str(toy)
    cfg["max_length"] = 64
    cfg["eval"] = {"symbolic_samples": 2, "general_samples": 2, "batch_rows": 2}
    cfg["injection"].update(max_steps=4, save_every=1, micro_batch_rows=1, grad_accum=1, train_samples=0)
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_full_disk_under_the_trainer_is_one_line_and_resume_finishes(tmp_path) -> None:
    cfg = _train_config(tmp_path)
    # one resume checkpoint of the tiny model is ~38 MB and two coexist for a moment: 60 MB free
    # holds the first and not the second
    with small_disk(tmp_path / "disk", free=60 << 20, size_mb=128) as disk:
        env = {"SYMBOLSCOPE_RUNS": str(disk / "runs")}
        args = ("trainer", "injection", "--config", str(cfg), "--run-name", "r")
        proc = run_module(*args, env=env, timeout=LIMIT_S)
        err = assert_clean(proc, says="resume checkpoint of step 2 (needs more than the ", max_lines=MANY)
        assert "no space left on the device" in err and "then continue with --resume" in err
        state = disk / "runs" / "injection" / "r" / "state"
        assert sorted(p.name for p in state.iterdir()) == ["latest.json", "step-1"]  # no torn .tmp-step-2
        (disk / ".filler").unlink()
        proc = run_module(*args, "--resume", env=env, timeout=LIMIT_S)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "from step 1" in proc.stderr and "injection finished: 4 steps" in proc.stdout


def test_results_file_that_is_a_fifo_or_dev_zero_is_refused(tmp_path) -> None:
    folder = tmp_path / "results" / "projection"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "20990101-000000-aaaaaaaa.json")
    proc = run_module("figures", "projection", "--results", str(tmp_path / "results"), timeout=120)
    assert_clean(proc, says="a FIFO (named pipe); give a regular file")
    (folder / "20990101-000000-aaaaaaaa.json").unlink()
    (folder / "20990101-000000-aaaaaaaa.json").symlink_to("/dev/zero")
    proc = run_module("figures", "projection", "--results", str(tmp_path / "results"), timeout=120)
    assert_clean(proc, says="a character device; give a regular file")


def test_predictions_or_split_that_is_a_fifo_is_refused(tmp_path, split) -> None:
    fifo = tmp_path / "p.jsonl"
    os.mkfifo(fifo)
    proc = run_module(
        "analysis.evaluate",
        "--predictions",
        str(fifo),
        "--split",
        "test",
        "--out",
        str(tmp_path / "r"),
        timeout=LIMIT_S,
    )
    assert_clean(proc, says=str(fifo))
    proc = run_module(
        "analysis.extract",
        "run",
        "--ckpt",
        "tiny",
        "--split",
        str(fifo),
        "--no-progress",
        home=make_home(tmp_path),
        timeout=LIMIT_S,
    )
    assert_clean(proc, says=str(fifo))


def test_json_nested_100000_deep_is_one_line_in_every_reader(tmp_path, split) -> None:
    deep = deep_json()
    jsonl = tmp_path / "deep.jsonl"
    jsonl.write_text("\n" + deep + "\n")
    whole = tmp_path / "deep.json"
    whole.write_text("[" + deep + "]")
    for path in (jsonl, whole):
        proc = run_module("trainer.data", "load", str(path), timeout=LIMIT_S)
        assert_clean(proc, says="JSON nests too deeply to read")
    proc = run_module("trainer.data", "validate", str(jsonl), timeout=LIMIT_S)
    assert_clean(proc, code=1, says=f"{jsonl}:2: JSON nests too deeply to read")
    assert "1 rows, 0 valid, 1 invalid" in proc.stdout + proc.stderr

    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({"id": "s0000", "prediction": "x"}) + "\n" + deep + "\n")
    proc = run_module(
        "analysis.evaluate",
        "--predictions",
        str(preds),
        "--split",
        "test",
        "--out",
        str(tmp_path / "r"),
        timeout=LIMIT_S,
    )
    assert_clean(proc, says=f"{preds}:2")
    bad_split = tmp_path / "bad-split.jsonl"
    shutil.copy(split, bad_split)
    with open(bad_split, "a") as fh:
        fh.write(deep + "\n")
    proc = run_module(
        "analysis.extract",
        "run",
        "--ckpt",
        "tiny",
        "--split",
        str(bad_split),
        "--no-progress",
        home=make_home(tmp_path),
        timeout=LIMIT_S,
    )
    assert_clean(proc, says=f"split file {bad_split}:25: JSON nests too deeply to read")
    results = tmp_path / "results" / "projection"
    results.mkdir(parents=True)
    (results / "20990101-000000-aaaaaaaa.json").write_text('{"config": {}, "rows": [' + deep + "]}")
    proc = run_module("figures", "projection", "--results", str(tmp_path / "results"), timeout=LIMIT_S)
    assert_clean(proc, says="JSON nests too deeply to read")


def test_probes_seed_out_of_range_and_absurd_jobs_are_refused_and_jobs_clamped(tmp_path, split) -> None:
    home = make_home(tmp_path)
    base = (
        "probes",
        "--ckpt",
        "tiny",
        "--split",
        str(split),
        "--target",
        "family",
        "--folds",
        "2",
        "--no-mdl",
        "--no-control",
        "--no-progress",
        "--no-figures",
        "--out",
        str(tmp_path / "r"),
    )
    assert_clean(
        run_module(*base, "--seed", "-1", home=home, timeout=LIMIT_S), says="--seed must be an integer"
    )
    proc = run_module(*base, "--jobs", "1000", home=home, timeout=LIMIT_S)
    assert_clean(proc, says="--jobs must be -1 (every core) or an integer from 1 to 256, got 1000")
    cores = len(os.sched_getaffinity(0))
    proc = run_module(*base, "--jobs", "200", home=home, timeout=LIMIT_S)
    assert proc.returncode == 0, proc.stderr[-2000:]
    warning = f"--jobs 200: only {cores} core(s) usable here; starting {cores} worker(s)"
    assert proc.stderr.count(warning) == 1, proc.stderr[-2000:]


def test_similarity_without_centroids_runs_and_one_sample_is_refused(tmp_path, split) -> None:
    home = make_home(tmp_path)
    out = tmp_path / "r"
    proc = run_module(
        "analysis.similarity",
        "--ckpt",
        "tiny,tiny",
        "--split",
        str(split),
        "--centroid-layers",
        "none",
        "--no-figures",
        "--out",
        str(out),
        home=home,
        timeout=LIMIT_S,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (path,) = (out / "similarity").glob("*.json")
    rows = json.loads(path.read_text())["rows"]
    assert rows and all(r["measure"] != "centroid_cosine" for r in rows)
    assert all(r["value"] == pytest.approx(1.0) for r in rows if r["measure"] == "cka")  # a model vs itself
    one = write_jsonl(tmp_path / "one.jsonl", make_samples(1, seed=0))
    proc = run_module(
        "analysis.similarity",
        "--ckpt",
        "tiny,tiny",
        "--split",
        str(one),
        "--no-figures",
        "--out",
        str(out),
        home=home,
        timeout=LIMIT_S,
    )
    assert_clean(proc, says=f"--split {one}: 'tiny' and 'tiny' share 1 original sample(s)", max_lines=MANY)


def test_symbolscope_config_missing_or_a_folder_is_an_error_and_unknown_keys_warned(tmp_path) -> None:
    home = make_home(tmp_path)
    for target, says in ((tmp_path / "nope.toml", "does not exist"), (tmp_path, "is a folder")):
        proc = run_module(
            "analysis.checkpoints", "show", "tiny", home=home, env={"SYMBOLSCOPE_CONFIG": str(target)}
        )
        assert_clean(proc, says=f"SYMBOLSCOPE_CONFIG={target}: {says}")
    cfg = tmp_path / "s.toml"
    cfg.write_text('[paths]\nruns = "runs"\nrunz = "x"\n')
    proc = run_module("analysis.checkpoints", "show", "tiny", home=home, env={"SYMBOLSCOPE_CONFIG": str(cfg)})
    assert proc.returncode == 0, proc.stderr
    assert f"{cfg}: unknown [paths] key(s) ['runz'] ignored" in proc.stderr
