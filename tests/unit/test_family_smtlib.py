"""The smtlib family against hand-worked truths: z3 results of hand-written scripts, the checker's
one-line rejections, Symbol-Evol, lexer spans and classes, depth, exact match, and execution
match run through the bubblewrap sandbox."""

from __future__ import annotations

import random

from analysis.evaluate.sandbox import Limits, run_jobs
from symbolcollection import registry
from symbolcollection.families import smtlib
from symbolcollection.families.smtlib import check
from symbolcollection.infer import infer_family
from symbolcollection.schema import Sample

FAMILY = registry.get("smtlib")
SAT = "(declare-const x Int)\n(declare-const y Int)\n(assert (= (+ x y) 10))\n(assert (> x y))\n(check-sat)"
UNSAT = "(declare-const x Int)\n(assert (> x 5))\n(assert (< x 3))\n(check-sat)"
CONSTS = "Constants: x (Int), y (Int)"


def _sample(task: str, output: str, input_text: str = CONSTS) -> Sample:
    return Sample("t-1", task, "smtlib", "Find x and y.", input_text, output, "hand")


def _generated(task: str, n: int = 30, seed: int = 3) -> list[Sample]:
    spec = next(t for t in FAMILY.tasks if t.name == task)
    drafts = spec.generate(random.Random(seed), n)
    return [
        Sample(f"g-{i}", d.task, d.family, d.instruction, d.input, d.output, d.source)
        for i, d in enumerate(drafts)
    ]


def test_z3_results_of_hand_written_scripts():
    assert check.solve(SAT) == "sat"  # x = 6, y = 4
    assert check.solve(UNSAT) == "unsat"  # nothing is > 5 and < 3
    valid = "(declare-const x Int)\n(assert (not (=> (> x 3) (> x 1))))\n(check-sat)"
    assert check.solve(valid) == "unsat"  # x > 3 implies x > 1: the negation has no model


def test_the_checker_holds_a_gold_to_the_result_its_task_states():
    assert FAMILY.reason(_sample("nl2smt-satisfiable", SAT)) is None
    assert FAMILY.reason(_sample("nl2smt-unsatisfiable", UNSAT)) is None
    why = FAMILY.reason(_sample("nl2smt-satisfiable", UNSAT))
    assert why == "smtlib: z3 says unsat, the task nl2smt-satisfiable says sat"
    not_valid = "(declare-const x Int)\n(assert (not (=> (> x 1) (> x 3))))\n(check-sat)"  # x = 2
    assert (
        FAMILY.reason(_sample("nl2smt-valid", not_valid))
        == "smtlib: z3 says sat, the task nl2smt-valid says unsat"
    )


def test_the_checker_rejects_in_one_line():
    cases = {
        "(declare-const x Int)\n(assert (> x 1)\n(check-sat)": "unbalanced brackets",
        "(declare-const x Int)\n(assert (> z 1))\n(check-sat)": "unknown constant z",
        "(declare-const x Int)\n(assert (> x 1))": "exactly one (check-sat)",
        "(declare-const x Bool)\n(assert x)\n(check-sat)": "does not match the request's constants",
    }
    for output, expected in cases.items():
        why = FAMILY.reason(_sample("nl2smt-satisfiable", output))
        assert why is not None and expected in why and "\n" not in why, (output, why)


def test_commands_that_touch_files_never_reach_z3(tmp_path):
    target = tmp_path / "written.txt"
    script = f'(set-option :regular-output-channel "{target}")\n(declare-const x Int)\n(check-sat)'
    assert (
        FAMILY.reason(_sample("nl2smt-satisfiable", script))
        == "smtlib: command 'set-option' is not allowed here"
    )
    assert not FAMILY.parses(script)
    assert not FAMILY.parses('(include "/etc/hostname")')
    assert not target.exists()


def test_generated_golds_check_and_generation_is_deterministic():
    for task in ("nl2smt-satisfiable", "nl2smt-unsatisfiable", "nl2smt-valid"):
        samples = _generated(task)
        assert len(samples) == 30 and samples == _generated(task)
        assert [FAMILY.reason(s) for s in samples] == [None] * 30, task
        assert all(FAMILY.parses(s.output) for s in samples)
        assert {infer_family("", s.output) for s in samples} == {"smtlib"}  # a released row, no family


def test_symbol_evol_renames_the_constants_and_the_gold_still_checks():
    for task in ("nl2smt-satisfiable", "nl2smt-unsatisfiable", "nl2smt-valid"):
        for sample in _generated(task, 10):
            new = FAMILY.evolve(sample, random.Random(0))
            assert new.output != sample.output and FAMILY.reason(new) is None
            assert check.solve(new.output) == check.solve(sample.output)
            old_names, new_names = set(check.declared(sample.input)), set(check.declared(new.input))
            assert not old_names & new_names and len(new_names) == len(old_names)
            idents = {s.text for s in smtlib.lex(new.output) if s.cls == "identifier"}
            assert idents == new_names


def test_lexer_classes_on_a_hand_written_script():
    text = '(declare-const x Int) ; note\n(assert (=> (>= x 3) (and true (distinct x 7) (= s "a b"))))'
    got = [(s.text, s.cls) for s in FAMILY.lex(text)]
    p, k, o, i, lit = "punctuation", "keyword", "operator", "identifier", "literal"
    assert got == [
        ("(", p),
        ("declare-const", k),
        ("x", i),
        ("Int", k),
        (")", p),
        ("(", p),
        ("assert", k),
        ("(", p),
        ("=>", o),
        ("(", p),
        (">=", o),
        ("x", i),
        ("3", lit),
        (")", p),
        ("(", p),
        ("and", o),
        ("true", lit),
        ("(", p),
        ("distinct", o),
        ("x", i),
        ("7", lit),
        (")", p),
        ("(", p),
        ("=", o),
        ("s", i),
        ('"a b"', lit),
        (")", p),
        (")", p),
        (")", p),
        (")", p),
    ]


def test_lexer_spans_cover_the_text_exactly():
    texts = [SAT, UNSAT, "(assert (> x 1)) ; a comment\n"] + [
        s.output for s in _generated("nl2smt-valid", 10)
    ]
    for text in texts:
        symbols, last, gaps = FAMILY.lex(text), 0, []
        for s in symbols:
            assert s.start >= last and text[s.start : s.end] == s.text
            gaps.append(text[last : s.start])
            last = s.end
        gaps.append(text[last:])
        assert all(g.strip() == "" or g.strip() == "; a comment" for g in gaps), gaps


def test_depth_and_exact_match():
    assert FAMILY.depth("(check-sat)") == 2
    assert FAMILY.depth("(declare-const x Int)\n(assert (> (+ x 1) 2))") == 4
    assert FAMILY.exact_match("(assert (> x 1))", "(assert\n   (> x 1)) ; same")
    assert not FAMILY.exact_match("(assert (> x 1))", "(assert (< 1 x))")


def _outcomes(sample: Sample, text: str):
    return run_jobs(smtlib.jobs(sample, text), limits=Limits(job_seconds=5))


def test_execution_match_runs_in_the_sandbox():
    sample = _sample("nl2smt-satisfiable", SAT)
    gold = _outcomes(sample, SAT)
    assert gold[0].ok and gold[0].value == ["sat", "unsat"]
    assert FAMILY.execution.judge(sample, SAT, gold, gold)
    same = "(declare-const y Int)\n(declare-const x Int)\n(assert (and (< y x) (= 10 (+ y x))))\n(check-sat)"
    assert FAMILY.execution.judge(sample, same, _outcomes(sample, same), gold)  # equivalent, not equal
    weaker = "(declare-const x Int)\n(declare-const y Int)\n(assert (= (+ x y) 10))\n(check-sat)"
    assert not FAMILY.execution.judge(
        sample, weaker, _outcomes(sample, weaker), gold
    )  # sat too, not equivalent
    assert not FAMILY.execution.judge(sample, UNSAT, _outcomes(sample, UNSAT), gold)
    broken = "(declare-const x Int)\n(assert (> x 1)"
    assert smtlib.jobs(sample, broken) == [] and not FAMILY.execution.judge(sample, broken, [], gold)
