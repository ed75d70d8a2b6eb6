"""``analysis.reproduce``: skip by fingerprint, rerun on change, stop on failure, the real plan's shape.

Fake fast steps (a module written into a temporary folder) stand in for the real CLIs; no model is
trained or loaded here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support.cli import run_module

from analysis import reproduce as rp
from symbolscope import codehash
from symbolscope.errors import UserError

FAKE = """
import json, sys, pathlib
name, results, log = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
with open(log, "a") as fh:
    fh.write(name + "\\n")
if name.startswith("fail"):
    raise SystemExit(3)
(results / name).mkdir(parents=True, exist_ok=True)
(results / name / "r.json").write_text(json.dumps({"config": {}, "rows": []}))
"""


@pytest.fixture
def fake(tmp_path: Path, monkeypatch) -> Path:
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "fake_step.py").write_text(FAKE)
    monkeypatch.syspath_prepend(str(mods))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(mods), os.environ.get("PYTHONPATH", "")]))
    return tmp_path


def _steps(tmp: Path, *names: str, extra: str = "") -> list[rp.Step]:
    results, log, data = tmp / "results", tmp / "log.txt", tmp / "input.txt"
    return [
        rp.Step(
            n,
            "fake_step",
            (n, str(results), str(log), *([extra] if extra else [])),
            inputs=(f"file:{data}",),
            outputs=(f"{n}/*.json",),
        )
        for n in names
    ]


def _run(tmp: Path, steps: list[rp.Step], **kw) -> tuple[list[dict], list[str]]:
    lines: list[str] = []
    rows = rp.reproduce(steps, rp.Runner(tmp / "results", echo=lines.append, **kw))
    return rows, lines


def _ran(tmp: Path) -> list[str]:
    log = tmp / "log.txt"
    ran = log.read_text().split() if log.exists() else []
    log.unlink(missing_ok=True)
    return ran


def test_unchanged_steps_are_skipped_and_changed_ones_rerun(fake: Path) -> None:
    (fake / "input.txt").write_text("v1")
    rows, _ = _run(fake, _steps(fake, "alpha", "beta"))
    assert [r["status"] for r in rows] == ["ran", "ran"] and _ran(fake) == ["alpha", "beta"]
    state = json.loads((fake / "results" / rp.STATE_FILE).read_text())
    assert set(state) == {"alpha", "beta"}

    ran_seconds = [r["seconds"] for r in rows]
    assert [state[s]["seconds"] for s in ("alpha", "beta")] == ran_seconds

    rows, lines = _run(fake, _steps(fake, "alpha", "beta"))
    assert [r["status"] for r in rows] == ["skipped", "skipped"] and _ran(fake) == []
    done = [line for line in lines if not line.startswith("== step")]  # the progress line aside
    assert len(done) == 2 and all("unchanged" in line for line in done)  # one line per skipped step
    assert lines[2].startswith("== step 2 of 2: beta | elapsed 0:00 | about 0:00 left")
    assert [r["last_ran_seconds"] for r in rows] == ran_seconds  # a skipping run still says where time went
    assert "last run" in rp.summary(rows, fake / "results", 0.0)

    (fake / "input.txt").write_text("v2")  # an input changed: both rerun
    rows, _ = _run(fake, _steps(fake, "alpha", "beta"))
    assert [r["status"] for r in rows] == ["ran", "ran"] and _ran(fake) == ["alpha", "beta"]

    rows, _ = _run(fake, _steps(fake, "alpha", "beta", extra="--more"))  # arguments changed
    assert _ran(fake) == ["alpha", "beta"]

    (fake / "results" / "beta" / "r.json").unlink()  # an output is gone: that step reruns
    rows, _ = _run(fake, _steps(fake, "alpha", "beta", extra="--more"))
    assert [r["status"] for r in rows] == ["skipped", "ran"] and _ran(fake) == ["beta"]

    rows, _ = _run(fake, _steps(fake, "alpha", "beta", extra="--more"), force=("alpha",))
    assert _ran(fake) == ["alpha"]


def test_code_changes_rerun_the_steps_that_run_that_code(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.importlinter]\nroot_packages = ["pkg"]\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("def f():\n    import pkg.b\n")
    (tmp_path / "pkg" / "b.py").write_text("x = 1\n")
    before = rp.code_fingerprint("pkg.a", root=tmp_path)
    assert rp.code_fingerprint("pkg.a", root=tmp_path) == before
    (tmp_path / "pkg" / "b.py").write_text("x = 2\n")  # imported lazily, inside a function
    assert rp.code_fingerprint("pkg.a", root=tmp_path) != before
    assert rp.code_fingerprint("figures") != rp.code_fingerprint("analysis.extract")


def _copy_sources(dest: Path) -> Path:
    """The project's ``.py`` files and ``pyproject.toml`` copied under ``dest``."""
    for pkg in codehash.root_packages():
        for f in (codehash.REPO / pkg).rglob("*.py"):
            (dest / f.relative_to(codehash.REPO)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest / f.relative_to(codehash.REPO))
    shutil.copyfile(codehash.REPO / "pyproject.toml", dest / "pyproject.toml")
    return dest


class _Recorder(rp.Runner):
    """A Runner whose steps only record their name, with fixed checkpoint fingerprints."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.ran: list[str] = []

    def call(self, step: rp.Step, *extra: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
        self.ran.append(step.name)
        return subprocess.CompletedProcess([], 0, "", "")

    def _measure(self, name: str) -> str:
        return f"fingerprint of {name}" if name.startswith("ckpt:") else super()._measure(name)


def test_a_change_to_the_span_code_reruns_extraction_and_every_study(tmp_path: Path, monkeypatch) -> None:
    """The file that decides the symbol span (the chat template) is imported lazily by the studies."""
    src = _copy_sources(tmp_path / "src")
    (chat,) = [p for p in codehash.closure("analysis.extract", src) if p.name == "chat.py"]
    assert chat in codehash.closure("analysis.extract.build", src)  # so the store key changes too
    results, runs = tmp_path / "results", tmp_path / "runs"
    monkeypatch.setenv("SYMBOLSCOPE_RUNS", str(runs))
    steps = [s for s in rp.plan(str(results)) if s.kind == "study"]
    for s in steps:  # every step's outputs exist, so only a fingerprint change reruns a step
        for pattern in s.outputs:
            (results / pattern).parent.mkdir(parents=True, exist_ok=True)
            (results / pattern.replace("*", "r")).write_text('{"rows": []}')
    card = tmp_path / "card.json"
    card.write_text("{}")

    def run() -> list[str]:
        runner = _Recorder(results, root=src, echo=lambda line: None, collection_card=card)
        rp.reproduce(steps, runner)
        return runner.ran

    fps = {s.name: rp.code_fingerprint(s.module, src) for s in steps}
    assert run() == [s.name for s in steps] and run() == []  # recorded, then all unchanged
    chat.write_text(chat.read_text() + "# the span rule changed\n")
    changed = [s.name for s in steps if rp.code_fingerprint(s.module, src) != fps[s.name]]
    symbols = ["symbols_same", "symbols_concept", "symbols_evol", "concept_map", "symbol_probes"]
    studies = ["extract", "uniformity", *symbols, "probes", "similarity", "projection", "evaluate"]
    assert changed == studies  # not figures, not the training report
    assert run() == studies
    assert run() == []


def test_a_step_reading_named_results_reruns_when_those_change(fake: Path) -> None:
    (fake / "input.txt").write_text("v1")
    (alpha,) = _steps(fake, "alpha")
    (reader,) = _steps(fake, "reader")
    steps = [
        alpha,
        rp.Step("reader", "fake_step", reader.args, inputs=("results:alpha",), outputs=reader.outputs),
    ]
    _run(fake, steps)
    assert _ran(fake) == ["alpha", "reader"]
    other = fake / "results" / "beta"
    other.mkdir()
    (other / "r.json").write_text("{}")  # another analysis's result: nothing to redo
    _run(fake, steps)
    assert _ran(fake) == []
    (fake / "results" / "alpha" / "r2.json").write_text("{}")  # a new result of the analysis it reads
    rows, _ = _run(fake, steps)
    assert [r["status"] for r in rows] == ["skipped", "ran"] and _ran(fake) == ["reader"]


def test_a_failed_step_stops_the_run_and_is_not_recorded(fake: Path) -> None:
    (fake / "input.txt").write_text("v1")
    rows, _ = _run(fake, _steps(fake, "alpha", "fail_here", "gamma"))
    assert [r["status"] for r in rows] == ["ran", "failed"] and rows[1]["detail"] == "exit 3"
    assert _ran(fake) == ["alpha", "fail_here"]
    assert "fail_here" not in json.loads((fake / "results" / rp.STATE_FILE).read_text())


def test_missing_modules_are_not_available_and_the_run_goes_on(fake: Path) -> None:
    (fake / "input.txt").write_text("v1")
    steps = [rp.Step("later", "no_such_module_here", ()), *_steps(fake, "alpha")]
    rows, lines = _run(fake, steps)
    lines = [line for line in lines if not line.startswith("== step")]  # the progress lines aside
    assert [r["status"] for r in rows] == ["not available", "ran"]
    assert "not available" in lines[0] and len([x for x in lines if "later" in x]) == 1
    assert rp.available("figures") and rp.available("trainer.report") and not rp.available("probes_missing")


def test_a_damaged_state_file_is_named(fake: Path) -> None:
    (fake / "results").mkdir()
    (fake / "results" / rp.STATE_FILE).write_text("{not json")
    with pytest.raises(UserError, match="damaged state file"):
        _run(fake, _steps(fake, "alpha"))


def test_the_plan_is_the_whole_study_and_every_study_writes_under_results() -> None:
    steps = rp.plan("out-here")
    assert [s.name for s in steps] == [
        "collection",
        "injection",
        "infusion",
        "extract",
        "uniformity",
        "symbols_same",
        "symbols_concept",
        "symbols_evol",
        "concept_map",
        "symbol_probes",
        "probes",
        "similarity",
        "projection",
        "evaluate",
        "ability_vs_geometry",
        "training",
        "figures",
    ]
    for s in steps:
        if s.kind == "study" and s.name != "extract":
            assert s.outputs and "out-here" in s.args, s.name
    assert steps[-1].inputs == ("results",)  # figures redraw when any result changes


def test_dry_run_on_an_empty_runs_folder_plans_training(tmp_path: Path) -> None:
    res = run_module(
        "analysis.reproduce",
        "--dry-run",
        "--results",
        str(tmp_path / "r"),
        env={"SYMBOLSCOPE_RUNS": str(tmp_path / "runs")},
    )
    assert res.returncode == 0, res.stderr
    status = {line.split()[2]: line for line in res.stdout.splitlines() if line.startswith("[")}
    assert "would run" in status["injection"] and "would run" in status["extract"]
    assert not (tmp_path / "runs").exists() and not (tmp_path / "r" / rp.REPORT_FILE).exists()
    bad = run_module("analysis.reproduce", "--force", "umapp", "--dry-run")
    assert bad.returncode == 2 and bad.stderr.startswith("error: --force: unknown step(s) umapp")


def test_a_run_being_trained_by_a_live_process_is_never_resumed(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    def card(pid: int, finished: bool = False) -> Path:
        (tmp_path / "symbolscope.json").write_text(
            json.dumps(
                {"finished": finished, "ranks": [{"host": socket.gethostname(), "pid": pid, "rank": 0}]}
            )
        )
        return tmp_path

    assert rp.training_pid(card(os.getpid())) == os.getpid()
    assert rp.training_pid(card(os.getpid(), finished=True)) is None
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    assert rp.training_pid(card(int(gone.stdout))) is None  # that process has exited
    assert rp.training_pid(tmp_path / "nothing") is None


def test_the_progress_line_estimates_from_the_steps_last_times() -> None:
    from analysis.reproduce import Step, progress_line

    steps = [Step("a", "m"), Step("b", "m"), Step("c", "m"), Step("d", "m")]
    state = {"a": {"seconds": 600}, "b": {"seconds": 90}, "c": {"seconds": 30.5}}
    line = progress_line(steps, 2, 605.0, state)
    assert line.startswith("== step 2 of 4: b | elapsed 10:05 | about 2:00 left")  # 90 + 30.5
    assert line.endswith("(+ d: not timed yet)")
    assert "not timed" not in progress_line(steps[:3], 1, 0.0, state)
