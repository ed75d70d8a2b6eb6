"""The escape suite: every escape, forgery and crash of the hostile trial, tried by generated code
(or generated SQL/SPARQL, or an oversized answer) against the bubblewrap sandbox. Each test
asserts that the attempt failed, that nothing changed outside the sandbox (a temporary home with
a planted secret, an outside folder, the repository), that a listener on 127.0.0.1 saw no
connection, that no process survives, and that the evaluation finished with the sample scored a
failure while its neighbours kept their scores. Gold predictions still score 1.0 in every
executing family inside the sandbox; with bwrap hidden nothing executes."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from support.cli import run_module
from support.escapes import attempts, survivors, watching

from analysis.evaluate import delegation, score
from analysis.evaluate.checks import Executor, family_check
from analysis.evaluate.sandbox import Limits, bwrap_status, run_jobs
from analysis.evaluate.selection import select
from symbolcollection import load_split
from symbolscope import paths

LIMITS = Limits(job_seconds=3.0, memory_mb=1024, startup_seconds=20.0)
NEIGHBOUR = {"kind": "call", "code": "def f():\n    return 'neighbour'", "entry": "f", "args": [[]]}
#: what each attempt ends with inside the sandbox (the job's outcome)
EXPECTED = {
    "read-secret": [["raises", "FileNotFoundError"]],  # the home is not mounted
    "write-outside": [["raises", "FileNotFoundError"]],  # nor is anything outside
    "write-repo": [["raises", "OSError"]],  # the repo folder is only the venv's read-only mount point
    "read-repo": [["raises", "FileNotFoundError"]],  # and the project's source is not there
    "connect": [["raises", "ConnectionRefusedError"]],  # its own empty loopback, no way out
    "daemon": [["raises", "PermissionError"]],  # no new processes
    "fork-bomb": [["raises", "PermissionError"]],
    "allocate-10gb": [["raises", "MemoryError"]],
}


@pytest.fixture(scope="module", autouse=True)
def sandbox_works():
    works, why = bwrap_status()
    assert works, f"the escape suite needs bubblewrap: {why}"


@pytest.fixture(scope="module")
def chosen():
    samples = load_split("test")
    return select(samples, "family", 3, 0), select(samples, "delegation", 3, 0)


def _job(code: str) -> dict:
    return {"kind": "call", "code": code, "entry": "f", "args": [[]]}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_escape_fails_and_leaves_nothing(tmp_path, name):
    with watching(tmp_path) as w:
        out, neighbour = run_jobs([_job(attempts(w)[name]), NEIGHBOUR], limits=LIMITS)
        time.sleep(0.3)  # a listener or a survivor would have been reached by now
        w.assert_untouched()
    assert out.ok and out.value == EXPECTED[name], out
    assert neighbour.ok and neighbour.value == [["ok", "neighbour"]]


def test_the_suites_environment_cannot_be_read(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_CANARY", "canary-7f3a")
    with watching(tmp_path) as w:
        (out,) = run_jobs([_job(attempts(w)["read-parent-environ"])], limits=LIMITS)
        w.assert_untouched()
    assert out.ok and out.value == [["raises", "PermissionError"]]  # reporter/zygote are not dumpable
    assert "canary-7f3a" not in json.dumps(out.value)
    code = "import os\ndef f():\n    return [sorted(os.listdir('/proc')), os.environ.get('SECRET_CANARY')]"
    (seen,) = run_jobs([_job(code)], limits=LIMITS)
    pids = [p for p in seen.value[0][1][0] if p.isdigit()]
    assert len(pids) <= 5 and seen.value[0][1][1] is None  # its own PID namespace; no inherited secret


def test_a_daemon_allowed_to_fork_dies_with_its_job(tmp_path):
    """Without the seccomp filter the double fork succeeds, yet the job's clean-up (inside its
    own PID namespace) kills it before the next job starts."""
    with watching(tmp_path) as w:
        out, neighbour = run_jobs(
            [_job(attempts(w)["daemon"]), NEIGHBOUR], limits=Limits(job_seconds=3.0, no_fork=False)
        )
        time.sleep(0.3)
        w.assert_untouched()
    assert out.ok and out.value == [["ok", "daemon left"]]
    assert neighbour.ok and survivors() == []


def test_killing_its_parents_costs_only_its_own_job(tmp_path):
    with watching(tmp_path) as w:
        before, out, after = run_jobs([NEIGHBOUR, _job(attempts(w)["kill-parent"]), NEIGHBOUR], limits=LIMITS)
        w.assert_untouched()
    assert not out.ok and out.error.startswith("sandbox process ended")
    assert before.value == after.value == [["ok", "neighbour"]]


FORGE = (
    "import os, sys, json, gc\n"
    "def {entry}(*args, **kwargs):\n"
    "    forged = []\n"
    "    frame = sys._getframe()\n"
    "    while frame is not None:\n"
    "        forged += [v for k, v in frame.f_locals.items() if k in ('nonce', 'out_fd', 'spec', 'header')]\n"
    "        frame = frame.f_back\n"
    "    nonces = [o for o in gc.get_objects() if isinstance(o, dict) and 'nonce' in o]\n"
    "    for i in range(8):\n"
    "        for ok in (True, False):\n"
    "            rec = json.dumps({{'i': i, 'ok': ok, 'value': True if ok else None, 'error': None}})\n"
    "            for n in [x['nonce'] for x in nonces] + ['']:\n"
    "                for fd in range(0, 64):\n"
    "                    try:\n"
    "                        os.write(fd, (n + ' ' + rec + '\\n').encode())\n"
    "                    except OSError:\n"
    "                        pass\n"
    "    os._exit(0)\n"
)
FORGE_AT_LOAD = (
    "import os, json\n"
    "for fd in range(0, 64):\n"
    "    for rec in ({'ok': True, 'value': True}, {'names': []}, {'value': True}):\n"
    "        try:\n"
    "            os.write(fd, (json.dumps(rec) + '\\n').encode())\n"
    "        except OSError:\n"
    "            pass\n"
    "os._exit(0)\n"
)
CALL_GOLD = (
    "import gc\n"
    "def solution():\n"
    "    me = 'CALL_GOLD_MARKER'\n"
    "    for o in gc.get_objects():\n"
    "        if isinstance(o, dict) and isinstance(o.get('code'), str) and 'def solution' in o['code'] \\\n"
    "                and 'CALL_GOLD_MARKER' not in o['code']:\n"
    "            env = {}\n"
    "            exec(o['code'], env)\n"
    "            return env['solution']()\n"
    "    raise LookupError('no gold program in reach')\n"
)
ALWAYS_EQUAL = (
    "class Same:\n"
    "    def __eq__(self, other):\n        return True\n"
    "    def __ne__(self, other):\n        return False\n"
    "    __hash__ = object.__hash__\n"
    "def {entry}(*args, **kwargs):\n    return Same()\n"
)


def _entry(sample) -> str:
    return sample.input.split("def ", 1)[1].split("(", 1)[0]


def test_forging_its_own_or_anothers_outcome_and_always_equal_objects_fail(chosen):
    sym, _ = chosen
    human = [s for s in sym["python"] if s.source.startswith("human-eval:")]
    made = next(s for s in sym["python"] if not s.source.startswith("human-eval:"))
    check = family_check("python")
    items = [
        (human[0], FORGE.format(entry=_entry(human[0])), check),  # forge its own pass, and the others'
        (human[1], human[1].output, check),  # a neighbour in the same batch
        (human[0], FORGE_AT_LOAD, check),  # claim a pass before any test runs
        (human[0], ALWAYS_EQUAL.format(entry=_entry(human[0])), check),
        (made, ALWAYS_EQUAL.format(entry=_entry(made)), check),
        (made, FORGE.format(entry=_entry(made)), check),
        (made, made.output, check),
    ]
    executor = Executor(LIMITS)
    try:
        assert executor.judge(items) == [False, True, False, False, False, False, True]
    finally:
        executor.close()


def test_calling_the_gold_finds_no_gold(chosen):
    sym, _ = chosen
    sample = sym["math"][0]
    executor = Executor(LIMITS)
    try:
        flags = executor.judge(
            [
                (sample, CALL_GOLD, family_check("math")),
                (sample, sample.output, family_check("math")),
                (sample, CALL_GOLD, delegation.check("math")),
            ]
        )
    finally:
        executor.close()
    assert flags == [False, True, False]


@pytest.mark.parametrize(
    "how",
    [
        "ATTACH DATABASE '{d}/attached.db' AS x",
        "VACUUM INTO '{d}/vacuumed.db'",
        "SELECT load_extension('{d}/evil.so')",
    ],
)
def test_generated_sql_cannot_create_files(tmp_path, chosen, how):
    _, dele = chosen
    sample = dele["table"][0]
    with watching(tmp_path) as w:
        query = how.format(d=w.outside)
        executor = Executor(LIMITS)
        try:
            items = score.score_symbolic([sample], {sample.id: query}, executor)
            items += score.score_delegation([sample], {sample.id: query}, executor)
            gold = score.score_delegation([sample], {sample.id: sample.output}, executor)
        finally:
            executor.close()
        w.assert_untouched()
    assert [it.correct for it in items] == [False, False] and gold[0].correct is True


def test_sparql_service_never_calls_out(tmp_path, chosen):
    sym, _ = chosen
    sample = sym["sparql"][1]
    with watching(tmp_path) as w:
        query = (
            f"PREFIX ex: <http://example.org/>\nSELECT ?s WHERE {{ SERVICE <http://127.0.0.1:{w.port}/sparql> "
            "{ ?s ?p ?o } }"
        )
        executor = Executor(LIMITS)
        try:
            (item,) = score.score_symbolic([sample], {sample.id: query}, executor)
        finally:
            executor.close()
        time.sleep(0.3)
        w.assert_untouched()
    assert item.parsed and item.correct is False


def test_oversized_and_overnested_answers_are_failures_and_the_suite_survives(chosen):
    sym, _ = chosen
    xpath, python, ltl = sym["xpath"][0], sym["python"][1], sym["ltl"][0]
    answers = {
        xpath.id: "/" + "a/" * 100_000 + "b",  # 200 KB of XPath
        python.id: "x" * (45 << 20),  # a 45 MB line
        ltl.id: "(" * 100_000 + "lobby" + ")" * 100_000,  # nested 100,000 deep: RecursionError
    }
    executor = Executor(LIMITS)
    t0 = time.monotonic()
    try:
        items = score.score_symbolic([xpath, python, ltl], answers, executor)
    finally:
        executor.close()
    assert time.monotonic() - t0 < 120
    assert [(it.parsed, it.exact, it.correct) for it in items[:2]] == [(False, False, False)] * 2
    assert (items[2].exact, items[2].correct) == (False, False)  # a valid formula (deep stack), not the gold


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _gold_rows(chosen):
    """Gold predictions for every sample of the split (the evaluation picks its own)."""
    return [{"id": s.id, "prediction": s.output} for s in load_split("test")]


def _evaluate(
    preds: Path, out: Path, *extra: str, per_family: int = 3, tasks: str = "symbolic,delegation", env=None
):
    """``python -m analysis.evaluate`` on a predictions file (results under ``out``)."""
    args = ["--predictions", str(preds), "--per-family", str(per_family), "--tasks", tasks, *extra]
    return run_module("analysis.evaluate", *args, "--out", str(out), "--no-progress", env=env, timeout=900)


EXECUTING = ("sql", "regex", "math", "python", "sparql")


def test_gold_predictions_score_one_in_every_executing_family_inside_the_sandbox(tmp_path, chosen):
    preds = _write(tmp_path / "gold.jsonl", _gold_rows(chosen))
    r = _evaluate(preds, tmp_path / "res")
    assert r.returncode == 0, r.stderr[-3000:]
    (path,) = (tmp_path / "res" / "evaluate").glob("*.json")
    data = json.loads(path.read_text())
    rows = data["rows"]
    assert all(row["isolation"].startswith("bwrap:") for row in rows)
    for fam in EXECUTING:
        row = next(x for x in rows if x.get("family") == fam)
        assert row["exec_match"] == 1.0, row
    for task in delegation.tasks():
        row = next(x for x in rows if x.get("suite") == "delegation" and x.get("task") == task)
        assert row["accuracy"] == 1.0, row
    assert data["config"]["max_prediction_chars"] == score.MAX_PREDICTION_CHARS


def test_hostile_predictions_through_the_cli_are_failures_and_leave_nothing(tmp_path, chosen):
    sym, dele = chosen
    with watching(tmp_path / "w") as w:
        hostile = attempts(w)
        made = next(s for s in sym["python"] if not s.source.startswith("human-eval:"))
        human = [s for s in sym["python"] if s.source.startswith("human-eval:")]
        rename = lambda code, s: code.replace("def f(", f"def {_entry(s)}(")  # noqa: E731
        bad = {
            made.id: rename(hostile["kill-parent"], made),
            human[0].id: FORGE.format(entry=_entry(human[0])),
            human[1].id: rename(hostile["read-secret"], human[1]),
            sym["math"][0].id: CALL_GOLD,
            sym["math"][2].id: hostile["daemon"].replace("def f(", "def solution("),
            sym["sparql"][
                1
            ].id: f"SELECT ?s WHERE {{ SERVICE <http://127.0.0.1:{w.port}/q> {{ ?s ?p ?o }} }}",
            dele["table"][0].id: f"VACUUM INTO '{w.outside}/v.db'",
            sym["regex"][0].id: "a" * (45 << 20),  # a 45 MB line
            sym["xpath"][0].id: "/" + "a/" * 100_000 + "b",  # 200 KB of XPath
            sym["ltl"][0].id: "(" * 100_000 + "lobby" + ")" * 100_000,
        }
        rows = [{"id": r["id"], "prediction": bad.get(r["id"], r["prediction"])} for r in _gold_rows(chosen)]
        preds = _write(w.outside.parent / "preds.jsonl", rows)
        w.before = w.snapshot()
        env = {"HOME": str(w.home), "SECRET_CANARY": "canary-7f3a", "SYMBOLSCOPE_HOME": str(paths.home())}
        r = _evaluate(preds, tmp_path / "res", env=env)
        time.sleep(0.3)
        w.assert_untouched()
    assert r.returncode == 0, r.stderr[-3000:]
    (path,) = (tmp_path / "res" / "evaluate").glob("*.json")
    data = json.loads(path.read_text())
    correct = data["config"]["checkpoints"]["preds"]["correct"]
    assert data["config"]["checkpoints"]["preds"]["over_cap_ids"] == [sym["regex"][0].id]
    for sid in bad:
        if sid in correct:
            assert correct[sid] is False, sid
    others = [s.id for f in EXECUTING for s in sym[f] if s.id not in bad]
    assert others and all(correct[sid] is True for sid in others)
    table = next(x for x in data["rows"] if x.get("suite") == "delegation" and x.get("task") == "table")
    assert table["accuracy"] == pytest.approx(2 / 3)
    assert "canary-7f3a" not in path.read_text()


def test_without_bwrap_execution_scores_are_not_run_and_nothing_executes(tmp_path, chosen):
    sym, _ = chosen
    marker = tmp_path / "EXECUTED"
    runs = f"def solution():\n    open({str(marker)!r}, 'w').write('x')\n    return 1"
    rows = [
        {"id": r["id"], "prediction": runs if r["id"] == sym["math"][0].id else r["prediction"]}
        for r in _gold_rows(chosen)
    ]
    preds = _write(tmp_path / "preds.jsonl", rows)
    env = {"PATH": str(tmp_path / "no-bin")}  # bwrap cannot be found
    r = _evaluate(preds, tmp_path / "res", env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert not marker.exists()
    note = "execution scores not run: bubblewrap (bwrap) is not installed; install bubblewrap"
    assert note in r.stderr and note in r.stdout
    (path,) = (tmp_path / "res" / "evaluate").glob("*.json")
    data = json.loads(path.read_text())
    assert all(row["isolation"] == "none: execution not run (no sandbox)" for row in data["rows"])
    for fam in EXECUTING:
        row = next(x for x in data["rows"] if x.get("family") == fam)
        assert row["exec_match"] is None and row["accuracy"] is None and row["parse_rate"] is not None
    cron = next(x for x in data["rows"] if x.get("family") == "cron")  # a parser, not execution: still scored
    assert cron["exec_match"] == 1.0
    assert all(x["accuracy"] is None for x in data["rows"] if x.get("suite") == "delegation")
    assert os.path.exists(path)


def test_when_the_suite_is_killed_nothing_of_the_sandbox_survives(tmp_path):
    """The hostile trial left a process running after evaluate was killed: with bwrap's
    --die-with-parent the whole PID namespace goes with the suite."""
    import signal
    import subprocess
    import sys

    from support.cli import REPO
    from support.escapes import SURVIVOR

    job = (
        "import os, time\ndef f():\n    if os.fork() == 0:\n"
        f"        os.execv('/bin/sleep', ['sleep', '{SURVIVOR}'])\n    while True:\n        time.sleep(0.1)"
    )
    script = (
        "from analysis.evaluate.sandbox import Limits, run_jobs\n"
        f"run_jobs([{{'kind': 'call', 'code': {job!r}, 'entry': 'f', 'args': [[]]}}], "
        "limits=Limits(job_seconds=60, no_fork=False))\n"
    )
    (tmp_path / "suite.py").write_text(script)  # not on a command line: only the sleep carries the marker
    suite = subprocess.Popen(
        [sys.executable, str(tmp_path / "suite.py")], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    try:
        deadline = time.monotonic() + 60
        while not survivors() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert survivors(), "the job never started"
        suite.send_signal(signal.SIGKILL)
        suite.wait()
        deadline = time.monotonic() + 10
        while survivors() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert survivors() == []
    finally:
        suite.kill()


def test_allow_unsandboxed_runs_execution_and_says_so_in_every_row(tmp_path, chosen):
    preds = _write(tmp_path / "gold.jsonl", _gold_rows(chosen))
    env = {"PATH": str(tmp_path / "no-bin")}  # bwrap cannot be found
    r = _evaluate(preds, tmp_path / "res", "--allow-unsandboxed", per_family=2, tasks="symbolic", env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "running generated code unsandboxed (--allow-unsandboxed)" in r.stderr
    (path,) = (tmp_path / "res" / "evaluate").glob("*.json")
    data = json.loads(path.read_text())
    assert all(row["isolation"].startswith("unsandboxed (--allow-unsandboxed)") for row in data["rows"])
    assert (
        data["config"]["isolation"].startswith("unsandboxed") and data["config"]["allow_unsandboxed"] is True
    )
    for fam in EXECUTING:
        assert next(x for x in data["rows"] if x.get("family") == fam)["exec_match"] == 1.0
