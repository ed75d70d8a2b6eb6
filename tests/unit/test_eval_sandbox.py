"""Generated code runs only in the sandbox: limits stop it, the suite survives, writes stay in the
temporary folder, no environment is inherited."""

from __future__ import annotations

import os
import time
from pathlib import Path

from analysis.evaluate.checks import Executor, family_check
from analysis.evaluate.sandbox import Limits, run_jobs
from symbolcollection.schema import Sample

LIMITS = Limits(job_seconds=1.5, memory_mb=1024)


def _call(code: str, entry: str = "f", args=([],)) -> dict:
    return {"kind": "call", "code": code, "entry": entry, "args": [list(a) for a in args]}


def test_infinite_loop_and_huge_allocation_fail_while_the_rest_runs():
    jobs = [
        _call("def f():\n    while True:\n        pass"),
        _call("def f():\n    return len(bytearray(10 * 1024 ** 3))"),  # a 10 GB allocation
        _call("def f(x):\n    return x * 2", args=([21],)),
    ]
    t0 = time.monotonic()
    loop, alloc, ok = run_jobs(jobs, limits=LIMITS)
    assert time.monotonic() - t0 < 60
    assert not loop.ok and "time" in loop.error.lower()
    assert alloc.ok and alloc.value == [["raises", "MemoryError"]]  # the limit refused it
    assert ok.ok and ok.value == [["ok", 42]]


def test_a_job_that_blocks_the_alarm_is_killed_with_its_process_group_and_the_next_job_still_runs():
    blocker = _call(
        "import signal, os, subprocess\n"
        "def f():\n"
        "    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
        "    while True:\n"
        "        pass"
    )
    after = _call("def f():\n    return 'alive'")
    t0 = time.monotonic()
    first, second = run_jobs([blocker, after], limits=Limits(job_seconds=1.0, startup_seconds=3.0))
    # the alarm is the reporter's, not the job's: blocking SIGALRM in the job does not help it
    assert not first.ok and first.error == "JobTimeout: job time limit"
    assert time.monotonic() - t0 < 20
    assert second.ok and second.value == [["ok", "alive"]]


def test_a_file_write_lands_only_in_the_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = "import os\ndef f():\n    open('escape.txt', 'w').write('x')\n    return [os.getcwd(), os.listdir('.')]"
    (out,) = run_jobs([_call(code)], limits=LIMITS)
    assert out.ok
    cwd, listing = out.value[0][1]
    assert listing == ["escape.txt"]  # the folder was empty before the write
    assert cwd.startswith("/tmp/job-")  # the sandbox's own tmpfs, gone with the sandbox
    assert not (tmp_path / "escape.txt").exists()


def test_no_environment_secrets_are_inherited(monkeypatch):
    monkeypatch.setenv("SYMBOLSCOPE_TEST_SECRET", "hunter2")
    (out,) = run_jobs([_call("import os\ndef f():\n    return sorted(os.environ)")], limits=LIMITS)
    assert out.ok and "SYMBOLSCOPE_TEST_SECRET" not in out.value[0][1]
    assert set(out.value[0][1]) <= {"PATH", "LANG", "HOME", "TMPDIR", "LC_CTYPE", "PWD"}  # PWD: bwrap --chdir


def test_generated_code_fails_its_family_check_and_is_not_run_in_process():
    marker = "SYMBOLSCOPE_RAN_IN_PROCESS"
    sample = Sample(
        "t-1",
        "nl2python-functions",
        "python",
        "Write f.",
        "def run_task(items):",
        "def run_task(items):\n    return sum(items)\n",
        "test",
    )
    evil = f"import os\nos.environ['{marker}'] = '1'\ndef run_task(items):\n    while True:\n        pass\n"
    (flag,) = Executor(Limits(job_seconds=1.0)).judge([(sample, evil, family_check("python"))])
    assert flag is False
    assert marker not in os.environ


def test_math_answers_are_checked_in_the_checker_worker_not_in_process():
    """The math checker evaluates whitelisted arithmetic: a tower of powers would take the suite's
    memory; in the forked checker worker it fails its limits and the answer is simply not parsed."""
    from analysis.evaluate import score

    sample = Sample(
        "m-1",
        "math-word-problem-program",
        "math",
        "How many?",
        "",
        "def solution():\n    return 2 + 3",
        "test",
    )
    tower = "def solution():\n    return ((((9**100)**100)**100)**100)**100"
    flags = score.parse_flags([sample, sample], [sample.output, tower], Executor(Limits(job_seconds=1.0)))
    assert flags == [True, False]


def test_a_huge_allocation_in_a_math_program_is_scored_a_failure():
    sample = Sample(
        "m-2",
        "math-word-problem-program",
        "math",
        "How many?",
        "",
        "def solution():\n    return 2 + 3",
        "test",
    )
    hog = "def solution():\n    data = bytearray(10 * 1024 ** 3)\n    return 5"
    flags = Executor(Limits(job_seconds=2.0)).judge(
        [(sample, hog, family_check("math")), (sample, sample.output, family_check("math"))]
    )
    assert flags == [False, True]


def test_a_huge_job_seconds_value_is_one_line_exit_2(tmp_path):
    from support.cli import run_module
    from support.hostile import assert_clean

    preds = tmp_path / "p.jsonl"
    preds.write_text('{"id": "x", "prediction": "y"}\n')
    for value in ("1e300", "inf", "nan", "0"):
        r = run_module(
            "analysis.evaluate",
            "--predictions",
            str(preds),
            "--job-seconds",
            value,
            "--out",
            str(tmp_path / "res"),
        )
        assert_clean(r, says="--job-seconds must be > 0 and <= 3600")
    assert not (tmp_path / "res").exists()


def test_without_a_sandbox_execution_is_not_run_and_the_unsandboxed_choice_is_recorded(monkeypatch):
    from analysis.evaluate import sandbox

    monkeypatch.setattr(sandbox, "bwrap_status", lambda: (False, "bubblewrap (bwrap) is not installed"))
    assert sandbox.choose_mode(False) == (
        "none",
        f"execution scores not run: bubblewrap (bwrap) is not installed; {sandbox.HOW_TO_FIX}",
    )
    mode, note = sandbox.choose_mode(True)
    assert mode == "unsandboxed" and "--allow-unsandboxed" in note
    assert sandbox.isolation(mode).startswith("unsandboxed (--allow-unsandboxed)")
    sample = Sample(
        "m-3",
        "math-word-problem-program",
        "math",
        "How many?",
        "",
        "def solution():\n    return 2 + 3",
        "test",
    )
    executor = Executor(LIMITS, mode="none")
    try:
        assert executor.judge([(sample, sample.output, family_check("math"))]) == [None]
    finally:
        executor.close()
    executor = Executor(LIMITS, mode="unsandboxed")
    try:
        assert executor.judge([(sample, sample.output, family_check("math"))]) == [True]
    finally:
        executor.close()


_POLISH_KINDS = '''
def run_polish(job, shared, conn):
    """The value of a prefix expression such as ``(+ 3 (* 2 4))``."""
    tokens = job["text"].replace("(", " ( ").replace(")", " ) ").split()
    def expr(i):
        if tokens[i] != "(":
            return int(tokens[i]), i + 1
        a, j = expr(i + 2)
        b, k = expr(j)
        return {"+": a + b, "-": a - b, "*": a * b}[tokens[i + 1]], k + 1
    return expr(0)[0]


KINDS = {"polish": run_polish}
WARM = {"polish": {"text": "(+ 1 2)"}}
PRELOAD = {}
'''


def _family_with_kinds(name: str, kinds: Path):
    from symbolcollection.family import Execution, Family

    return Family(
        name=name,
        languages=("prefix arithmetic",),
        tasks=(),
        check=lambda sample: None,
        execution=Execution("the same value", lambda *a: True),
        kinds=str(kinds),
    )


def test_a_family_registered_at_run_time_brings_its_own_job_kind_into_the_sandbox(tmp_path: Path):
    from symbolcollection import registry

    kinds = tmp_path / "polish_kinds.py"
    kinds.write_text(_POLISH_KINDS)
    jobs = [{"kind": "polish", "text": "(+ 3 (* 2 4))"}, {"kind": "polish", "text": "(- 1 (* 5 5))"}]
    before = run_jobs(jobs[:1], limits=LIMITS)
    assert not before[0].ok and "polish" in before[0].error  # unknown kind before registering
    unregister = registry.register(_family_with_kinds("polish", kinds))
    try:
        assert registry.kind_files()["polish"] == str(kinds)
        out = run_jobs(jobs, limits=LIMITS)
    finally:
        unregister()
    assert [o.value for o in out] == [11, -24] and all(o.ok for o in out)


def test_a_job_kind_defined_twice_stops_the_harness_and_every_job_fails(tmp_path: Path):
    from symbolcollection import registry

    kinds = tmp_path / "twice.py"
    kinds.write_text(_POLISH_KINDS.replace('"polish"', '"call"'))
    unregister = registry.register(_family_with_kinds("twice", kinds))
    try:
        (out,) = run_jobs([_call("def f():\n    return 1")], limits=LIMITS)
    finally:
        unregister()
    assert not out.ok and out.error is not None  # which "call" would it be? none runs
    (after,) = run_jobs([_call("def f():\n    return 1")], limits=LIMITS)
    assert after.ok and after.value == [["ok", 1]]  # unregistered, the harness starts again
