"""Scoring against known truth: gold outputs score 1.0 on every executable family and every
delegation task, corrupted outputs (truncated, tokens swapped, wrong table or predicate) score 0,
and echoing the instruction scores near 0. Predictions only: no model is needed."""

from __future__ import annotations

import json
import re

import pytest

from analysis.evaluate import delegation, score
from analysis.evaluate.checks import Executor, family_check
from analysis.evaluate.sandbox import Limits
from analysis.evaluate.selection import select
from symbolcollection import load_split, registry

PER = 3
#: the families whose answers are executed or judged beyond exact match (hand-written)
EXECUTES = {"sql", "regex", "math", "python", "sparql", "smiles", "json", "api_call", "xpath", "cron"}
EXECUTES |= {"smtlib", "asp"}


@pytest.fixture(scope="module")
def split():
    return load_split("test")


@pytest.fixture(scope="module")
def executor():
    return Executor(Limits(job_seconds=5.0))


@pytest.fixture(scope="module")
def symbolic(split):
    return [s for v in select(split, "family", PER, 0).values() for s in v]


@pytest.fixture(scope="module")
def delegated(split, executor):
    from analysis.evaluate.api import Config, _delegation_samples

    chosen, _ = _delegation_samples(split, Config(per_family=PER), executor)
    return [s for v in chosen.values() for s in v]


def _json_change(text: str) -> str:
    def bump(v):
        if isinstance(v, bool):
            return not v
        if isinstance(v, int | float):
            return v + 1
        if isinstance(v, str):
            return v + "x"
        if isinstance(v, list):
            return [bump(v[0]), *v[1:]] if v else [0]
        k = sorted(v)[0]
        return {**v, k: bump(v[k])}

    return json.dumps(bump(json.loads(text)))


def _swap_first_two_args(text: str) -> str:
    return re.sub(r"\(([\w-]+) ([\w-]+) ([\w-]+)\)", r"(\1 \3 \2)", text, count=1)


#: family -> (what the corruption is, function of the sample); each yields a wrong program
CORRUPT = {
    "sql": ("wrong table", lambda s: re.sub(r"\bFROM (\w+)", "FROM no_such_table", s.output, count=1)),
    "regex": ("accepts everything", lambda s: ".*"),
    "smiles": ("an atom added", lambda s: "C" + s.output if not s.output.startswith("C") else "N" + s.output),
    "math": ("the result off by one", lambda s: s.output.replace("return ", "return 1 + ", 1)
             if s.output.startswith("def ") else f"({s.output}) + 1"),
    "python": ("the function redefined to return None",
               lambda s: s.output + "\n\ndef " + re.search(r"def (\w+)\(", s.input).group(1) + "(*a, **k):\n    return None\n"),
    "sparql": ("truncated", lambda s: s.output[: len(s.output) // 2]),
    "json": ("a value changed", lambda s: _json_change(s.output)),
    "api_call": ("a value changed", lambda s: _json_change(s.output)),
    "xpath": ("wrong element", lambda s: re.sub(r"^(/+)\w+", r"\1no_such_element", s.output.strip())),
    "cron": ("tokens swapped (minute ↔ hour)", lambda s: " ".join([*s.output.split()[:2][::-1], *s.output.split()[2:]])
             if s.output.split()[0] != s.output.split()[1] else "7 " + " ".join(s.output.split()[1:])),
    "smtlib": ("every assertion replaced by (assert true)",
               lambda s: "\n".join("(assert true)" if ln.startswith("(assert") else ln for ln in s.output.splitlines())),
    "asp": ("the rules dropped (facts and #show kept)",
            lambda s: "\n".join(ln for ln in s.output.splitlines() if ":-" not in ln)),
}  # fmt: skip
CORRUPT_DELEGATION = {
    "math": ("the result off by one", lambda s: s.output.replace("return ", "return 1 + ", 1)),
    "planning": ("wrong predicate", lambda s: re.sub(r"\((?!and\b|not\b)([\w-]+)", "(no-such-predicate", s.output)),
    "table": ("wrong table", lambda s: re.sub(r"\bFROM (\w+)", "FROM no_such_table", s.output, count=1)),
    "logic": ("negated", lambda s: f"-({s.output})"),
}  # fmt: skip


def test_gold_scores_one_on_every_family_and_parses(symbolic, executor):
    items = score.score_symbolic(symbolic, {s.id: s.output for s in symbolic}, executor)
    assert {i.group for i in items} == {s.family for s in symbolic}
    for it in items:
        assert it.parsed and it.exact, it
        assert it.executed is (True if it.group in EXECUTES else None), it


def test_gold_scores_one_on_every_delegation_task(delegated, executor):
    items = score.score_delegation(delegated, {s.id: s.output for s in delegated}, executor)
    assert {i.group for i in items} == {"math", "planning", "table", "logic"}
    assert all(i.correct for i in items), [i for i in items if not i.correct]


@pytest.mark.parametrize("family", sorted(CORRUPT))
def test_corrupted_outputs_score_zero(family, symbolic, executor):
    picked = [s for s in symbolic if s.family == family]
    answers = {s.id: CORRUPT[family][1](s) for s in picked}
    assert all(answers[s.id] != s.output for s in picked)
    items = score.score_symbolic(picked, answers, executor)
    assert [i.executed for i in items] == [False] * len(picked), answers
    assert not any(i.exact for i in items)


@pytest.mark.parametrize("family", ["sql", "python", "json", "fol", "amr"])
def test_truncated_outputs_score_zero(family, symbolic, executor):
    picked = [s for s in symbolic if s.family == family]
    items = score.score_symbolic(picked, {s.id: s.output[: len(s.output) // 2] for s in picked}, executor)
    assert not any(i.correct for i in items)


@pytest.mark.parametrize("task", sorted(CORRUPT_DELEGATION))
def test_corrupted_delegation_programs_score_zero(task, delegated, executor):
    picked = [s for s in delegated if delegation.task_of(s) == task]
    items = score.score_delegation(picked, {s.id: CORRUPT_DELEGATION[task][1](s) for s in picked}, executor)
    assert [i.correct for i in items] == [False] * len(picked)


def test_swapped_plan_arguments_reach_a_different_state(split, executor):
    """A planning goal with two arguments swapped is solved, but its plan misses the gold goal."""
    picked = [s for s in split if s.task == "nl2pddl-goal" and "(on b" in s.output][:2]
    flags = executor.judge(
        [(s, _swap_first_two_args(s.output), delegation.check("planning")) for s in picked]
    )
    assert flags == [False] * len(picked)


def test_echoing_the_instruction_scores_near_zero(symbolic, delegated, executor):
    sym = score.score_symbolic(symbolic, {s.id: s.instruction for s in symbolic}, executor)
    dele = score.score_delegation(delegated, {s.id: s.instruction for s in delegated}, executor)
    assert score.macro_row(sym, 0)["accuracy"] <= 0.05
    assert score.macro_row(dele, 0)["accuracy"] == 0.0


def test_families_without_an_executable_checker_are_exact_match_only(symbolic, executor):
    fams = {"amr", "lambda", "ltl", "latex", "fol", "pddl"}
    picked = [s for s in symbolic if s.family in fams]
    items = score.score_symbolic(picked, {s.id: s.output for s in picked}, executor)
    assert all(i.executed is None for i in items)
    row = score.group_row(items)
    assert row["exec_match"] is None and row["exec_match_ci"] is None and row["accuracy"] == 1.0
    assert registry.get("amr").exec_rule() == "no executable checker: exact match only"
    assert "never executed" in registry.get("bash").exec_rule()


def test_wilson_interval_matches_the_closed_form():
    # Wilson (1927) for 8/10 at 95%: [0.4902, 0.9433] (Newcombe 1998, table I method 3)
    lo, hi = score.wilson(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert score.wilson(0, 0) is None


def test_sql_off_by_one_constants_are_caught_by_the_sample_databases(split, executor):
    """The databases hold values next to the gold query's numbers, so a condition off by one
    (``> 85`` for ``> 86``) changes the result on at least one of them."""
    picked = [s for s in split if s.family == "sql" and re.search(r"\b\d+\b", s.output)]
    wrong = [re.sub(r"\b(\d+)\b", lambda m: str(int(m.group(1)) + 1), s.output, count=1) for s in picked]
    flags = executor.judge([(s, w, family_check("sql")) for s, w in zip(picked, wrong, strict=True)])
    assert len(picked) >= 10 and not any(flags)


def test_a_prediction_without_jobs_never_borrows_the_gold_outcome(split):
    """Prose instead of a formula or a goal gives no sandbox job; with the gold not cached yet its
    jobs come right after, and must not be read as the prediction's (a fresh executor each time)."""
    logic = next(s for s in split if delegation.task_of(s) == "logic")
    plan = next(s for s in split if delegation.task_of(s) == "planning")
    for s in (logic, plan):
        prose = "This is a first-order logic formula."
        (flag,) = Executor(Limits(job_seconds=5.0)).judge(
            [(s, prose, delegation.check(delegation.task_of(s) or ""))]
        )
        assert flag is False
