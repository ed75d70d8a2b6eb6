"""The two families added as one module each (``smtlib``, ``asp``) are picked up by the whole
suite: a small build holds their tasks, ``stats`` lists them, ``validate`` recognises released rows
of theirs and rejects a bad one in one line, and the evaluation scores gold predictions 1 and
wrong ones 0 through the sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli import run_module
from support.home import share_sources

from symbolcollection import collection
from symbolcollection.cli import main
from symbolcollection.schema import Sample
from symbolscope.errors import run_cli

SCALE = "0.05"
NEW = {
    "smtlib": ("nl2smt-satisfiable", "nl2smt-unsatisfiable", "nl2smt-valid"),
    "asp": ("nl2asp-reachability", "nl2asp-colouring", "nl2asp-scheduling"),
}
#: parses for its family, never the right answer (no gold is a tautology or a single fact)
WRONG = {"smtlib": "(declare-const x Int)\n(assert (= x 1))\n(check-sat)", "asp": "p."}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = share_sources(tmp_path_factory.mktemp("home"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SYMBOLSCOPE_HOME", str(folder))
        mp.setenv("SYMBOLSCOPE_DATA_SCALE", SCALE)
        assert run_cli(main, ["build"]) == 0
        yield folder


def _env() -> dict[str, str]:
    return {"SYMBOLSCOPE_DATA_SCALE": SCALE}


def _train_samples() -> list[Sample]:
    """The new families' train samples (a small build's test split may hold fewer than 3 of each)."""
    return [s for s in collection.load_split("train") if s.family in NEW]


def test_the_build_holds_every_task_and_stats_lists_them(home: Path) -> None:
    built = {(s.family, s.task) for split in collection.SPLITS for s in collection.load_split(split)}
    assert {(f, t) for f, tasks in NEW.items() for t in tasks} <= built
    evolved = {
        s.family for s in collection.load_split("analysis", include_evol=True) if s.id.endswith("~evol")
    }
    assert set(NEW) <= evolved
    r = run_module("symbolcollection", "stats", home=home, env=_env())
    assert r.returncode == 0, r.stderr
    for family, tasks in NEW.items():
        assert all(f"{family} / {t}" in r.stdout for t in tasks), r.stdout


def test_validate_recognises_released_rows_and_names_a_bad_one(home: Path, tmp_path: Path) -> None:
    good = _train_samples()[:3] + _train_samples()[-3:]  # both families (sorted by family)
    rows = [{"instruction": s.instruction, "input": s.input, "output": s.output} for s in good]
    bad = {
        "instruction": "Answer with SMT-LIB 2.",
        "input": "",
        "output": '(include "/etc/hostname")\n(check-sat)',
    }
    path = tmp_path / "released.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [*rows, bad]))
    r = run_module("symbolcollection", "validate", str(path), home=home, env=_env())
    assert r.returncode == 1, r.stderr
    bad_line = f"{path}:{len(rows) + 1}: smtlib checker rejects the output: smtlib: command 'include' is not allowed here"
    assert r.stdout.splitlines()[0] == bad_line  # the only bad row, named by line
    assert f"{len(rows) + 1} rows, {len(rows)} valid, 1 invalid" in r.stdout


def _evaluate(home: Path, tmp_path: Path, predictions: dict[str, str], label: str) -> dict[str, dict]:
    path = tmp_path / f"{label}.jsonl"
    path.write_text("".join(json.dumps({"id": i, "prediction": p}) + "\n" for i, p in predictions.items()))
    out = tmp_path / label
    args = ["--predictions", str(path), "--ckpt", label, "--split", "train", "--per-family", "3"]
    args += ["--tasks", "symbolic", "--out", str(out), "--no-progress"]
    r = run_module("analysis.evaluate", *args, home=home, env=_env())
    assert r.returncode == 0, r.stderr
    (result,) = (out / "evaluate").glob("*.json")
    rows = json.loads(result.read_text())["rows"]
    return {r["family"]: r for r in rows if r.get("family") in NEW}


def test_gold_predictions_score_one_and_wrong_ones_zero(home: Path, tmp_path: Path) -> None:
    samples = _train_samples()
    gold = _evaluate(home, tmp_path, {s.id: s.output for s in samples}, "gold")
    assert set(gold) == set(NEW)
    for row in gold.values():
        assert row["n"] == 3 and row["parse_rate"] == row["exact_match"] == 1.0, row
        assert row["exec_match"] == row["accuracy"] == 1.0, row
        assert row["isolation"].startswith("bwrap"), row
    wrong = _evaluate(home, tmp_path, {s.id: WRONG[s.family] for s in samples}, "wrong")
    for row in wrong.values():
        assert row["parse_rate"] == 1.0 and row["exact_match"] == row["exec_match"] == 0.0, row
