"""Every family's checker accepts gold outputs (hand-written, and every generated task's) and
rejects corrupted ones."""

from __future__ import annotations

import json
import random

import pytest

from symbolcollection import registry
from symbolcollection.registry import reason
from symbolcollection.schema import Sample

SCHEMA = "CREATE TABLE staff (id INTEGER PRIMARY KEY, name TEXT, salary INTEGER);"
TOOLS = json.dumps([{"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                            "required": ["city"], "additionalProperties": False}}])  # fmt: skip
PDDL_CTX = "(:predicates (on ?x - block ?y - block) (clear ?x - block))\n(:objects a b c - block)"
XML = "<lib><book lang='en'><title>Dune</title></book><book lang='fr'><title>Emma</title></book></lib>"
JSON_SCHEMA = json.dumps({"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]})

#: family -> (instruction, input, gold output, [corrupted outputs])
CASES: dict[str, tuple[str, str, str, list[str]]] = {
    "sql": ("", SCHEMA, "SELECT name FROM staff WHERE salary > 10",
            ["SELEC name FROM staff", "SELECT nme FROM staff", "SELECT name FROM staff WHERE", "DROP TABLE staff"]),
    "fol": ("", "Predicates: Dog(x), Loyal(x)", "all x.(Dog(x) -> Loyal(x))",
            ["all x.(Dog(x) -> Loyal(x)", "all x.(Cat(x) -> Loyal(x))", "all x.(Dog(x,x) -> Loyal(x))"]),
    "pddl": ("", PDDL_CTX, "(and (on a b) (not (clear a)))",
             ["(and (on a b)", "(and (under a b))", "(and (on a z))", "(and (on a))"]),
    "smiles": ("A molecule with molecular formula C7H6O2.", "", "O=C(O)c1ccccc1",
               ["O=C(O)c1ccccc", "C1CC", "CCO", "O=C(O)c1cccXc1"]),
    "regex": ("", 'should match: "ab12"\nshould not match: "ab"', "[a-z]+[0-9]{2}",
              ["[a-z]+[0-9", "[a-z]+", "[0-9]{2}"]),
    "python": ("", "def add(a, b):", "def add(a, b):\n    return a + b\n",
               ["def add(a, b)\n    return a + b", "def plus(a, b):\n    return a + b", "return )"]),
    "bash": ("", "", "find /tmp -name '*.log' | wc -l", ["echo 'unterminated", "ls |", "for x in; do"]),
    "sparql": ("", "PREFIX ex: <http://example.org/>\nProperties: ex:bornIn", "SELECT ?p WHERE { ?p ex:bornIn ?c . }",
               ["SELECT ?p WHERE { ?p ex:bornIn ?c . ", "SELECT ?p WHERE { ?p ex:diedIn ?c . }", "SELEKT ?p WHERE { }"]),
    "lambda": ("", "Predicates: state:t(x), next_to:t(x, y)", "(lambda $0 e (and (state:t $0) (next_to:t $0 texas:s)))",
               ["(lambda $0 e (and (state:t $0) (next_to:t $0 texas:s))", "(lambda $0 e (state:t $1))",
                "(lambda $0 e (and (river:t $0)))"]),
    "ltl": ("", "Propositions: kitchen, office", "F (kitchen & F office)",
            ["F (kitchen & F office", "G (kitchen &)", "F garage", "kitchen U U office"]),
    "amr": ("", "", "(w / want-01 :ARG0 (b / boy) :ARG1 (g / go-02 :ARG0 b))",
            ["(w / want-01 :ARG0 (b / boy) :ARG1 (g / go-02 :ARG0 b)", "(w / want-01 :ARG0 (w / boy))", "boy wants"]),
    "api_call": ("", TOOLS, '{"name": "get_weather", "arguments": {"city": "Oslo"}}',
                 ['{"name": "get_weather", "arguments": {"city": "Oslo"}', '{"name": "get_time", "arguments": {}}',
                  '{"name": "get_weather", "arguments": {"city": 3}}', '{"name": "get_weather", "arguments": {}}']),
    "math": ("", "Variables: x, y", "x**2 + 3*y",
             ["x**2 + 3*z", "x**2 +", "__import__('os').system('true')", "def solution():\n    return 'a'"]),
    "latex": ("", "", "\\frac{x^{2} + 1}{3}", ["\\frac{x^{2} + 1}{", "\\sqrt{x", "x^^2"]),
    "json": ("", JSON_SCHEMA, '{"age": 41}', ['{"age": 41', '{"age": "41"}', '{"name": "x"}']),
    "cron": ("", "", "*/15 9-17 * * 1-5", ["*/15 9-17 * *", "61 * * * *", "* * 32 * *", "*/0 * * * *", "a b c d e"]),
    "xpath": ("", XML, "/lib/book[@lang='fr']/title", ["/lib/book[@lang='fr'/title", "/lib/film", "//book[@lang='de']"]),
    "smtlib": ("", "Constants: x (Int)", "(declare-const x Int)\n(assert (> x 2))\n(check-sat)",
               ["(declare-const x Int)\n(assert (> x 2)\n(check-sat)", "(declare-const x Int)\n(assert (> y 2))\n(check-sat)",
                "(declare-const x Bool)\n(assert x)\n(check-sat)", "(declare-const x Int)\n(assert (> x 2))",
                '(set-option :regular-output-channel "out.txt")\n(check-sat)']),
    "asp": ("", "% input: edge/2, start/1\n% output: reach/1\nedge(a,b).\nstart(a).",
            "edge(a,b).\nstart(a).\nreach(X) :- start(X).\nreach(Y) :- reach(X), edge(X,Y).\n#show reach/1.",
            ["edge(a,b).\nstart(a).\nreach(X) :- start(X)", "reach(X) :- start(X).", '#include "x.lp".',
             "edge(a,b).\nstart(a).\n:- start(a).", "edge(a,b).\nstart(a).\nreach(X) :- @f(X)."]),
}  # fmt: skip


def _sample(family: str, instruction: str, inp: str, output: str) -> Sample:
    return Sample("t", "t", family, instruction, inp, output, "test")


def test_every_family_has_a_case() -> None:
    assert set(CASES) == set(registry.names())


def test_a_family_outside_the_registry_has_no_checker() -> None:
    assert reason(_sample("klingon", "", "", "qapla'")) == "no checker for family 'klingon'"


@pytest.mark.parametrize("family", sorted(CASES))
def test_gold_accepted(family: str) -> None:
    instruction, inp, gold, _ = CASES[family]
    assert reason(_sample(family, instruction, inp, gold)) is None


@pytest.mark.parametrize("family", sorted(CASES))
def test_corruptions_rejected(family: str) -> None:
    instruction, inp, _, bad = CASES[family]
    for output in bad:
        why = reason(_sample(family, instruction, inp, output))
        assert why is not None, f"{family} accepted corrupted {output!r}"
        assert "\n" not in why


def test_empty_output_rejected() -> None:
    assert reason(_sample("sql", "", "", "   ")) == "empty output"


@pytest.mark.parametrize("spec", [t for _, t in registry.tasks()], ids=lambda s: s.name)
def test_generated_gold_accepted_and_closing_bracket_removal_rejected(spec) -> None:  # type: ignore[no-untyped-def]
    drafts = spec.generate(random.Random(3), 12)[:12]
    assert drafts, spec.name
    for d in drafts:
        s = _sample(d.family, d.instruction, d.input, d.output)
        assert reason(s) is None, (spec.name, d.output)
        # a structural corruption: drop the last closing bracket, where the family has brackets
        last = max(d.output.rfind(")"), d.output.rfind("}"), d.output.rfind("]"))
        if d.family in ("fol", "lambda", "amr", "pddl", "sparql", "json", "api_call", "smtlib") and last >= 0:
            broken = d.output[:last] + d.output[last + 1 :]
            assert reason(_sample(d.family, d.instruction, d.input, broken)) is not None, (spec.name, broken)


def test_untrusted_outputs_cannot_hang_the_checkers() -> None:
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c"
    why = reason(_sample("sql", "", SCHEMA, endless))
    assert why is not None and "interrupted" in why
    assert reason(_sample("math", "", "", "def solution():\n    return 9**9**9**9")) is not None
    assert reason(_sample("math", "", "", "def solution():\n    while True:\n        pass")) is not None
