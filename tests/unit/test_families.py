"""The family objects and their registry, against facts written out by hand (the tables the
families replaced), and a throwaway family registered here that the suite's consumers pick up."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from analysis.evaluate import delegation, prompts, score
from analysis.evaluate.checks import Executor, family_check
from probes.targets import depth, skip_reason
from symbolcollection import registry
from symbolcollection.build import collection_dir, run_task
from symbolcollection.family import CheckFailed, Execution, Family, Outcome, Rule, Task
from symbolcollection.infer import infer_family
from symbolcollection.registry import reason
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import Draft, phrase
from symbolscope.errors import UserError

ORDER = ("sql", "fol", "pddl", "smiles", "regex", "python", "bash", "sparql", "lambda", "ltl", "amr", "api_call",
         "math", "latex", "json", "cron", "xpath", "smtlib", "asp")  # fmt: skip
NEW = {"smtlib", "asp"}  # one module each; they execute in the sandbox, evolve and span lines
EXECUTES = {"sql", "regex", "math", "python", "sparql", "smiles", "json", "api_call", "xpath", "cron"} | NEW
IN_SANDBOX = {"sql", "regex", "math", "python", "sparql"} | NEW  # the rest are judged by parsers alone
EVOLVES = {"api_call", "fol", "lambda", "pddl", "python", "sparql", "sql"} | NEW
MULTI_LINE = {"pddl", "python", "amr", "math"} | NEW
NO_DEPTH = {"cron", "xpath"}
DELEGATED = {"math": ("math-word-problem-program",), "planning": ("nl2pddl-goal",),
             "table": ("nl2sql-aggregate", "nl2sql-join", "nl2sql-select"),
             "logic": ("nl2fol-categorical", "nl2fol-relational")}  # fmt: skip


def test_the_families_and_their_order() -> None:
    assert registry.names() == ORDER
    assert [f.name for f in registry.families()] == list(ORDER)


def test_which_families_execute_evolve_stop_at_a_blank_line_and_have_a_depth() -> None:
    fams = registry.families()
    assert {f.name for f in fams if f.execution is not None} == EXECUTES
    assert {f.name for f in fams if f.execution and f.execution.jobs} == IN_SANDBOX
    assert {f.name for f in fams if f.evolve is not None} == EVOLVES
    assert {f.name for f in fams if not f.one_line} == MULTI_LINE
    assert {f.name for f in fams if f.depth is None} == NO_DEPTH
    assert all(f.no_depth != "no parser for this family" for f in fams if f.depth is None)  # a stated reason
    assert [f.name for f in fams if f.check_runs_code] == ["math"]
    assert [f.name for f in fams if f.parses is not None] == ["regex", "smtlib", "asp"]
    gold_checked = [t for f in fams for t, e in f.delegate.items() if e.gold_checked]
    assert gold_checked == ["planning"]


def test_every_task_once_with_its_needs_and_delegation() -> None:
    pairs = registry.tasks()
    names = [t.name for _, t in pairs]
    assert len(names) == len(set(names)) == 31 and names == sorted(names)
    assert {t.name: t.needs for _, t in pairs if t.needs} == {
        "humaneval": "humaneval",
        "nl2bash-icalfa": "nl2bash",
        "nl2pddl-goal": "pddl",
    }
    assert [t.name for _, t in pairs if t.slow] == ["nl2latex-formula"]
    assert delegation.tasks() == dict(sorted(DELEGATED.items()))


def test_an_unknown_name_is_one_line_listing_the_known_ones() -> None:
    with pytest.raises(UserError) as err:
        registry.get("nope")
    msg = str(err.value)
    assert "\n" not in msg and "'nope'" in msg and "sql" in msg and "xpath" in msg
    assert registry.find("nope") is None


def test_inference_keeps_the_old_rule_order() -> None:
    # output rules before instruction rules, SPARQL's before SQL's, JSON calls before JSON
    assert infer_family("", "SELECT ?x FROM <g> WHERE { ?x ?p ?o }") == "sparql"
    assert infer_family("", "SELECT a FROM t") == "sql"
    assert infer_family("", '{"name": "f", "arguments": {}}') == "api_call"
    assert infer_family("", '{"name": "f"}') == "json"
    assert infer_family("Write SQL from Python", "hello world") == "sql"  # SQL's rule before Python's
    assert infer_family("compute it", "x + 2*y") == "math"  # arithmetic, before any instruction rule
    assert infer_family("Write a regex", "hello world") == "regex"
    assert infer_family("nothing here", "hello world") is None


def test_a_parser_error_is_a_one_line_rejection() -> None:
    why = reason(Sample("i", "t", "json", "", "{}", '{"a": ', "s"))
    assert why is not None and why.startswith("json: ") and "\n" not in why


# --- a throwaway family, registered from here -----------------------------------------------------


def _tally_drafts(rng: random.Random, n: int) -> list[Draft]:
    out = []
    for _ in range(n):
        k = rng.randint(1, 40)
        out.append(phrase(rng, "count-tally", "tally", f"Count to {k}", ("tally marks",), "|" * k, "test"))
    return out


def _tally_check(sample: Sample) -> None:
    if set(sample.output.strip()) != {"|"}:
        raise CheckFailed("tally: only '|' marks are allowed")


def _tally_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    return text.count("|") == sample.output.count("|")


TALLY = Family(
    name="tally",
    languages=("tally marks",),
    tasks=(Task("count-tally", "test", "test", _tally_drafts, 20),),
    check=_tally_check,
    exact=lambda text: text.replace(" ", ""),
    exact_rule="spaces removed",
    execution=Execution("same number of marks", _tally_judge),
    depth=len,
    one_line=True,
    infer=(Rule(5, r"^\|+$"),),
)


@pytest.fixture
def tally():
    unregister = registry.register(TALLY)
    try:
        yield TALLY
    finally:
        unregister()


def _sample(output: str) -> Sample:
    return Sample("tally-1", "count-tally", "tally", "Count to 3", "", output, "test")


def test_a_registered_family_is_picked_up_and_gone_after(tally: Family) -> None:
    assert registry.names() == (*ORDER, "tally") and registry.get("tally") is tally
    assert reason(_sample("|||")) is None and reason(_sample("3")) == "tally: only '|' marks are allowed"
    assert score._exact_call("tally", "| | |", "|||") and not score._exact_call("tally", "||", "|||")
    assert score.parses(_sample("|||"), "|||") and not score.parses(_sample("|||"), "three")
    assert infer_family("", "||||") == "tally"
    assert depth(_sample("||||")) == 4 and skip_reason("tally") is None
    assert prompts.end_markers("tally") == ("\n\n",)
    check = family_check("tally")
    assert check is not None and check.rule == "same number of marks" and check.jobs is None
    built = run_task(("count-tally", 0, 1.0))
    assert len(built.kept) == 20 and built.rejected == 0 and {d.family for d in built.kept} == {"tally"}


def test_a_registered_familys_judge_runs_in_the_checker_worker(tally: Family) -> None:
    executor = Executor(mode="none")  # judged by the family's own function; nothing to execute
    check = family_check("tally")
    assert check is not None
    try:
        assert executor.judge([(_sample("|||"), "| | |", check), (_sample("|||"), "||", check)]) == [
            True,
            False,
        ]
    finally:
        executor.close()


def test_unregistering_removes_it_everywhere() -> None:
    unregister = registry.register(TALLY)
    unregister()
    assert "tally" not in registry.names()
    assert reason(_sample("|||")) == "no checker for family 'tally'"
    assert family_check("tally") is None and prompts.end_markers("tally") == ()
    assert infer_family("", "||||") is None and skip_reason("tally") == "no parser for this family"
    with pytest.raises(UserError):
        registry.get("tally")


def test_a_registered_family_gets_a_collection_folder_of_its_own() -> None:
    without = collection_dir(0, 0.06, 0.05)
    unregister = registry.register(TALLY)
    try:
        assert registry.added() == (TALLY,) and collection_dir(0, 0.06, 0.05) != without
    finally:
        unregister()
    assert registry.added() == () and collection_dir(0, 0.06, 0.05) == without


def test_a_name_or_task_taken_is_refused() -> None:
    with pytest.raises(UserError, match="already registered"):
        registry.register(registry.get("sql"))
    clash = Family("tally2", ("x",), (Task("nl2sql-join", "s", "l", _tally_drafts),), _tally_check)
    with pytest.raises(UserError, match="nl2sql-join"):
        registry.register(clash)
    assert "tally2" not in registry.names()
