"""The asp family against hand-worked truths: answer sets of hand-written programs, the checker's
one-line rejections, Symbol-Evol, lexer spans and classes, depth, exact match, and execution
match run through the bubblewrap sandbox."""

from __future__ import annotations

import random

from analysis.evaluate.sandbox import Limits, run_jobs
from symbolcollection import registry
from symbolcollection.families import asp
from symbolcollection.families.asp import check
from symbolcollection.infer import infer_family
from symbolcollection.schema import Sample

FAMILY = registry.get("asp")
REACH_FACTS = "% input: edge/2, start/1\n% output: reach/1\nedge(a,b). edge(b,c). edge(d,a).\nstart(a)."
REACH = "reach(X) :- start(X).\nreach(Y) :- reach(X), edge(X,Y).\n#show reach/1."
TRIANGLE = "% input: node/1, edge/2, colour/1\n% output: assign/2\nnode(a). node(b). node(c).\n"
TRIANGLE += "edge(a,b). edge(b,c). edge(a,c).\n"
COLOUR = (
    "1 { assign(X,C) : colour(C) } 1 :- node(X).\n:- edge(X,Y), assign(X,C), assign(Y,C).\n#show assign/2."
)
TASKS = ("nl2asp-reachability", "nl2asp-colouring", "nl2asp-scheduling")


def _sample(task: str, input_text: str, output: str) -> Sample:
    return Sample("t-1", task, "asp", "Write the rules.", input_text, output, "hand")


def _generated(task: str, n: int = 30, seed: int = 5) -> list[Sample]:
    spec = next(t for t in FAMILY.tasks if t.name == task)
    drafts = spec.generate(random.Random(seed), n)
    return [
        Sample(f"g-{i}", d.task, d.family, d.instruction, d.input, d.output, d.source)
        for i, d in enumerate(drafts)
    ]


def test_answer_sets_of_hand_written_programs():
    two, complete = check.answer_sets("p :- not q. q :- not p.", [("p", 0), ("q", 0)])
    assert complete and two == {frozenset({"p"}), frozenset({"q"})}
    # a -> b -> c, d -> a: from a, d is not reachable
    one, _ = check.answer_sets(REACH_FACTS + "\n" + REACH, [("reach", 1)])
    assert one == {frozenset({"reach(a)", "reach(b)", "reach(c)"})}
    # a triangle with three colours: 3! = 6 colourings
    six, _ = check.answer_sets(TRIANGLE + "colour(r). colour(g). colour(b).\n" + COLOUR, [("assign", 2)])
    assert len(six) == 6 and frozenset({"assign(a,r)", "assign(b,g)", "assign(c,b)"}) in six


def _facts(request: str) -> str:
    return "\n".join(line for line in request.splitlines() if not line.startswith("%"))


def test_the_checker_holds_a_gold_to_the_answer_sets_the_request_asks_for():
    assert (
        FAMILY.reason(_sample("nl2asp-reachability", REACH_FACTS, _facts(REACH_FACTS) + "\n" + REACH)) is None
    )
    no_recursion = _facts(REACH_FACTS) + "\nreach(X) :- start(X).\n#show reach/1."
    why = FAMILY.reason(_sample("nl2asp-reachability", REACH_FACTS, no_recursion))
    assert why == "asp: the answer sets on reach/1 are not the ones asked for (1 found, 1 asked)"
    two_colours = TRIANGLE + "colour(r). colour(g)."  # a triangle cannot be 2-coloured
    gold = _facts(two_colours) + "\n" + COLOUR
    assert (
        FAMILY.reason(_sample("nl2asp-colouring", two_colours, gold)) == "asp: the program has no answer set"
    )
    three = TRIANGLE + "colour(r). colour(g). colour(b)."
    assert FAMILY.reason(_sample("nl2asp-colouring", three, _facts(three) + "\n" + COLOUR)) is None


def test_the_gold_restates_exactly_the_requests_facts():
    other_edge = _facts(REACH_FACTS).replace("edge(d,a)", "edge(d,c)") + "\n" + REACH
    for output in (REACH, other_edge):  # no facts; one edge changed
        why = FAMILY.reason(_sample("nl2asp-reachability", REACH_FACTS, output))
        assert why == "asp: the program's facts are not the ones the request gives"
    assert check.facts("e(a,b). r(X) :- e(X,Y). s(1).") == {"e": [("a", "b")], "s": [("1",)]}


def test_a_hand_made_schedule_has_its_one_answer_set():
    facts = "% input: task/1, slot/1, conflict/2, before/2\n% output: at/2\ntask(x). task(y).\nslot(1). slot(2).\n"
    facts += "conflict(x,y).\nbefore(x,y)."
    rules = (
        "1 { at(T,S) : slot(S) } 1 :- task(T).\n:- conflict(T,U), at(T,S), at(U,S).\n"
        ":- before(T,U), at(T,S), at(U,R), S >= R.\n#show at/2."
    )
    assert check.expected("nl2asp-scheduling", facts) == {frozenset({"at(x,1)", "at(y,2)"})}
    assert FAMILY.reason(_sample("nl2asp-scheduling", facts, _facts(facts) + "\n" + rules)) is None


def test_the_checker_rejects_in_one_line():
    cases = {
        "reach(X) :- start(X)": "syntax error",
        '#include "/etc/hostname".': "directive '#include' is not allowed here",
        "#script (python)\nimport os\n#end.\nreach(X) :- start(X).": "directive '#script' is not allowed here",
        "reach(@f(X)) :- start(X).": "external function calls (@) are not allowed here",
    }
    for output, expected in cases.items():
        why = FAMILY.reason(_sample("nl2asp-reachability", REACH_FACTS, output))
        assert why is not None and expected in why and "\n" not in why, (output, why)
        assert not FAMILY.parses(output)


def test_generated_golds_check_and_generation_is_deterministic():
    for task in TASKS:
        samples = _generated(task)
        assert len(samples) == 30 and samples == _generated(task)
        assert [FAMILY.reason(s) for s in samples] == [None] * 30, task
        assert all(FAMILY.parses(s.output) for s in samples)
        assert {infer_family("", s.output) for s in samples} == {"asp"}  # a released row, no family


def test_symbol_evol_renames_the_predicates_and_the_gold_still_checks():
    for task in TASKS:
        for sample in _generated(task, 10):
            new = FAMILY.evolve(sample, random.Random(0))
            assert new.output != sample.output and FAMILY.reason(new) is None
            old = [
                n for n, _ in check.signature(sample.input, "input") + check.signature(sample.input, "output")
            ]
            renamed = [
                n for n, _ in check.signature(new.input, "input") + check.signature(new.input, "output")
            ]
            assert len(renamed) == len(old) and not set(old) & set(renamed)
            assert not set(old) & {s.text for s in asp.lex(new.input + new.output)}
            (shown,) = check.signature(new.input, "output")
            assert f"{shown[0]}/{shown[1]}" in new.instruction


def test_lexer_classes_on_a_hand_written_rule():
    text = ':- not p(X), #count { Y : q(Y,"s") } > 2, X != 1..3. % comment'
    got = [(s.text, s.cls) for s in FAMILY.lex(text)]
    p, k, o, i, lit = "punctuation", "keyword", "operator", "identifier", "literal"
    assert got == [
        (":-", o),
        ("not", k),
        ("p", i),
        ("(", p),
        ("X", i),
        (")", p),
        (",", p),
        ("#count", k),
        ("{", p),
        ("Y", i),
        (":", p),
        ("q", i),
        ("(", p),
        ("Y", i),
        (",", p),
        ('"s"', lit),
        (")", p),
        ("}", p),
        (">", o),
        ("2", lit),
        (",", p),
        ("X", i),
        ("!=", o),
        ("1", lit),
        ("..", o),
        ("3", lit),
        (".", p),
    ]


def test_lexer_spans_cover_the_text_exactly():
    texts = [REACH, COLOUR, "%* block\ncomment *% a.\n"] + [
        s.output for s in _generated("nl2asp-scheduling", 10)
    ]
    for text in texts:
        last, gaps = 0, []
        for s in FAMILY.lex(text):
            assert s.start >= last and text[s.start : s.end] == s.text
            gaps.append(text[last : s.start])
            last = s.end
        gaps.append(text[last:])
        assert all(g.strip() in ("", "%* block\ncomment *%") for g in gaps), gaps


def test_depth_and_exact_match():
    assert FAMILY.depth("p.") == 4  # rule, literal, atom, term p
    assert FAMILY.depth("p(f(a)).") == 6  # ... p, f, a
    assert FAMILY.exact_match("b :- a.\na.", "a. % first\nb:-a.")
    assert not FAMILY.exact_match("b :- a.", "b :- not a.")


def _outcomes(sample: Sample, text: str):
    return run_jobs(asp.jobs(sample, text), limits=Limits(job_seconds=5))


def test_execution_match_runs_in_the_sandbox():
    three = TRIANGLE + "colour(r). colour(g). colour(b)."
    sample = _sample("nl2asp-colouring", three, _facts(three) + "\n" + COLOUR)
    gold = _outcomes(sample, sample.output)
    assert gold[0].ok and gold[0].value["complete"] and len(gold[0].value["sets"]) == 6
    assert ["assign(a,r)", "assign(b,g)", "assign(c,b)"] in gold[0].value["sets"]
    assert FAMILY.execution.judge(sample, sample.output, gold, gold)
    assert FAMILY.execution.judge(
        sample, COLOUR, _outcomes(sample, COLOUR), gold
    )  # the request's facts are in
    same = "{ assign(X,C) : colour(C) } = 1 :- node(X).\n:- assign(X,C), assign(Y,C), edge(X,Y)."
    assert FAMILY.execution.judge(sample, same, _outcomes(sample, same), gold)  # no #show: projected anyway
    loose = "1 { assign(X,C) : colour(C) } 1 :- node(X)."  # every colouring, proper or not: 27
    assert not FAMILY.execution.judge(sample, loose, _outcomes(sample, loose), gold)
    refused = "#script (python)\ndef f(): pass\n#end.\n" + COLOUR
    assert asp.jobs(sample, refused) == [] and not FAMILY.execution.judge(sample, refused, [], gold)
