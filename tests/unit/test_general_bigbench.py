"""BIG-bench task loading: malformed files rejected in one line, chance levels, the prompt format,
and the Wilson interval the General rows carry."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from support.cli import run_module

from analysis.evaluate.bigbench import TASKS, Item, chance_level, load_task, parse_task
from analysis.metrics.proportion import wilson_interval
from symbolscope.errors import UserError


def _write(folder: Path, name: str, data: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


GOOD = {
    "task_prefix": "Answer.\n",
    "example_input_prefix": "\nQ: ",
    "example_output_prefix": "\nA: ",
    "choice_prefix": "\n  choice: ",
    "examples": [
        {"input": "two", "target_scores": {"yes": 1, "no": 0}},
        {"input": "four", "target_scores": {"a": 0, "b": 1, "c": 0, "d": 0}},
        {"input": "three, two right", "target_scores": {"x": 1, "y": 1, "z": 0}},
    ],
}


def test_chance_is_mean_share_of_correct_choices(tmp_path: Path) -> None:
    _write(tmp_path, "navigate", GOOD)
    task = load_task("navigate", tmp_path)
    assert len(task.items) == 3
    assert task.items[2].correct == (0, 1)
    assert math.isclose(task.chance, (1 / 2 + 1 / 4 + 2 / 3) / 3)
    assert math.isclose(chance_level([Item("q", ("a", "b", "c"), (0.0, 1.0, 0.0))]), 1 / 3)


def test_prompt_follows_bigbench_zero_shot_format(tmp_path: Path) -> None:
    _write(tmp_path, "navigate", GOOD)
    task = load_task("navigate", tmp_path)
    text = task.prompt(0, seed=3)
    head, tail = "Answer.\n\nQ: two\n  choice: ", "\nA: "
    assert text.startswith(head) and text.endswith(tail)
    listed = text[len(head) : -len(tail)].split("\n  choice: ")
    assert sorted(listed) == ["no", "yes"]
    assert task.prompt(0, seed=3) == text  # deterministic per seed
    _write(tmp_path, "snarks", {**GOOD, "append_choices_to_input": False, "example_output_prefix": " "})
    assert load_task("snarks", tmp_path).prompt(1) == "Answer.\n\nQ: four "


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "not valid JSON"),
        ({"examples": []}, "non-empty 'examples'"),
        ([1, 2], "non-empty 'examples'"),
        ({"examples": [{"input": "q", "target": "a"}]}, "example 0: 'target_scores' must map at least two"),
        ({"examples": [{"input": "q", "target_scores": {"a": 1}}]}, "at least two choices"),
        ({"examples": [{"input": "q", "target_scores": {"a": 1, "b": 1}}]}, "none is correct"),
        ({"examples": [{"input": "q", "target_scores": {"a": "1", "b": 0}}]}, "choice 'a' is not a finite"),
        ({"examples": [{"input": 3, "target_scores": {"a": 1, "b": 0}}]}, "string 'input'"),
        ({**GOOD, "task_prefix": 7}, "'task_prefix' must be a string"),
        ({**GOOD, "append_choices_to_input": "yes"}, "must be true or false"),
    ],
)
def test_malformed_task_is_one_line_naming_the_file(tmp_path: Path, data: object, message: str) -> None:
    path = _write(tmp_path, "navigate", data)
    with pytest.raises(UserError, match=message) as err:
        load_task("navigate", tmp_path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_unknown_and_missing_tasks(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown BIG-bench task 'navigat'"):
        load_task("navigat", tmp_path)
    with pytest.raises(UserError, match="run `make install`"):
        load_task("navigate", tmp_path)
    with pytest.raises(UserError, match="where: not a BIG-bench task"):
        parse_task({"examples": "x"}, "t", "where")
    assert len(TASKS) >= 8


def test_missing_cache_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = run_module("analysis.evaluate.bigbench", "list", home=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "make install" in proc.stderr


def test_wilson_interval_matches_published_values() -> None:
    # Wilson (1927) score intervals at 95 % (e.g. Newcombe 1998, table I): 0/10, 5/10, 81/263.
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def _fake_pip(layout: str, task_json: dict[str, object]):
    """Stand-in for the pip step: leaves what pip leaves (the archive, or the tree it unpacked)."""
    import io
    import tarfile

    calls: list[Path] = []

    def run(workdir: Path) -> None:
        calls.append(workdir)
        (workdir / "tmp").mkdir()
        files = {
            f"bigbench-1.0.0/bigbench/benchmark_tasks/{TASKS[n]}": json.dumps(d).encode()
            for n, d in task_json.items()
        }
        if layout == "tree":
            for rel, raw in files.items():
                path = workdir / "tmp" / "pip-download-x" / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(raw)
            return
        (workdir / "dl").mkdir()
        with tarfile.open(workdir / "dl" / "bigbench-1.0.0.tar.gz", "w:gz") as tar:
            for rel, raw in files.items():
                info = tarfile.TarInfo(rel)
                info.size = len(raw)
                tar.addfile(info, io.BytesIO(raw))

    return run, calls


@pytest.mark.parametrize("layout", ["tree", "archive"])
def test_fetch_keeps_only_chosen_tasks_is_idempotent_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    from analysis.evaluate import bigbench

    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "t"))
    (tmp_path / "t").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    run, calls = _fake_pip(layout, dict.fromkeys(TASKS, GOOD))
    monkeypatch.setattr(bigbench, "_pip_download", run)
    written = bigbench.fetch()
    assert sorted(p.name for p in written) == sorted(f"{n}.json" for n in TASKS)
    assert sorted(p.name for p in (tmp_path / "home" / "bigbench").iterdir()) == sorted(
        f"{n}.json" for n in TASKS
    )
    assert load_task("navigate").chance == pytest.approx((1 / 2 + 1 / 4 + 2 / 3) / 3)
    assert list((tmp_path / "t").iterdir()) == []  # the download folder is gone
    assert bigbench.fetch() == [] and len(calls) == 1  # complete cache: pip is not run again


def test_fetch_refuses_a_malformed_task_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analysis.evaluate import bigbench

    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(tmp_path / "home"))
    bad = {**dict.fromkeys(TASKS, GOOD), "snarks": {"examples": [{"input": "q", "target_scores": {"a": 1}}]}}
    run, _ = _fake_pip("tree", bad)
    monkeypatch.setattr(bigbench, "_pip_download", run)
    with pytest.raises(UserError, match=r"snarks/task.json: example 0: 'target_scores'"):
        bigbench.fetch()
    assert not list((tmp_path / "home").rglob("*.json"))  # checked before anything is written
