"""Concepts across formalisms (:mod:`symbolcollection.concepts`): enough shared concepts, each in
enough families; no family maps a symbol its collection never produces; the hand-worked concepts
of known symbols and of known outputs, symbol by symbol through each family's own lexer; a bad
mapping is a ValueError naming the family; the counts, the CLI and the data card agree."""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from pathlib import Path

import pytest

from symbolcollection import load_split, registry
from symbolcollection.cli import main
from symbolcollection.concepts import (
    CONCEPTS,
    concept_counts,
    concept_names,
    concept_of,
    concept_table,
    markdown_table,
)
from symbolcollection.family import Family
from symbolcollection.schema import Sample

CARD = Path(__file__).resolve().parents[2] / "symbolcollection" / "README.md"


def test_at_least_eight_concepts_each_declared_by_at_least_three_families() -> None:
    names = concept_names()
    assert len(names) == len(set(names)) >= 8
    for name, meaning in CONCEPTS:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", name), name
        assert meaning and "\n" not in meaning
    declared: dict[str, set[str]] = defaultdict(set)
    for family in registry.families():
        for concept in family.concepts:
            declared[concept].add(family.name)
    assert set(declared) == set(names)  # every listed concept is used, and only listed ones
    thin = {c: sorted(f) for c, f in declared.items() if len(f) < 3}
    assert not thin, f"concepts realised in fewer than 3 families: {thin}"


@pytest.fixture(scope="module")
def produced() -> dict[str, set[str]]:
    """Per family, every symbol text its lexer gives on the analysis and train splits."""
    out: dict[str, set[str]] = defaultdict(set)
    for split in ("analysis", "train"):
        for sample in load_split(split):
            out[sample.family].update(s.text for s in registry.get(sample.family).symbols(sample.output))
    return out


def test_every_mapped_symbol_is_produced_by_its_familys_lexer_on_the_collection(
    produced: dict[str, set[str]],
) -> None:
    dead = {
        f.name: sorted(t for texts in f.concepts.values() for t in texts if t not in produced[f.name])
        for f in registry.families()
    }
    assert not {k: v for k, v in dead.items() if v}, f"mapped symbols never lexed in the collection: {dead}"


@pytest.mark.parametrize(
    ("family", "symbol", "concept"),
    [
        ("sql", "AND", "conjunction"),
        ("python", "and", "conjunction"),
        ("fol", "&", "conjunction"),
        ("pddl", "and", "conjunction"),
        ("smtlib", "and", "conjunction"),
        ("ltl", "&", "conjunction"),
        ("lambda", "and", "conjunction"),
        ("amr", "and", "conjunction"),
        ("bash", "&&", "conjunction"),
        ("fol", "|", "disjunction"),
        ("python", "or", "disjunction"),
        ("regex", "|", "disjunction"),
        ("fol", "-", "negation"),
        ("python", "not", "negation"),
        ("ltl", "!", "negation"),
        ("asp", "not", "negation"),
        ("amr", ":polarity", "negation"),
        ("fol", "->", "implication"),
        ("smtlib", "=>", "implication"),
        ("asp", ":-", "implication"),
        ("fol", "all", "universal"),
        ("python", "all", "universal"),
        ("fol", "exists", "existential"),
        ("lambda", "exists", "existential"),
        ("sparql", "ASK", "existential"),
        ("sql", "=", "equality"),
        ("python", "==", "equality"),
        ("smtlib", "=", "equality"),
        ("xpath", "=", "equality"),
        ("sql", ">=", "order_comparison"),
        ("python", "<", "order_comparison"),
        ("sparql", ">", "order_comparison"),
        ("sql", "COUNT", "aggregation"),
        ("sparql", "COUNT", "aggregation"),
        ("asp", "#count", "aggregation"),
        ("lambda", "count", "aggregation"),
        ("python", "sum", "aggregation"),
        ("bash", "wc", "aggregation"),
        ("sql", "MAX", "extremum"),
        ("lambda", "argmin", "extremum"),
        ("sql", "ORDER BY", "ordering"),
        ("python", "sorted", "ordering"),
        ("bash", "sort", "ordering"),
        ("sql", "LIMIT", "limit"),
        ("bash", "head", "limit"),
        ("sql", "WHERE", "filtering"),
        ("sparql", "FILTER", "filtering"),
        ("sql", "SELECT", "projection"),
        ("bash", "cut", "projection"),
        ("python", "def", "abstraction"),
        ("lambda", "lambda", "abstraction"),
        ("smtlib", "+", "addition"),
        ("latex", "\\cdot", "multiplication"),
    ],
)
def test_hand_written_concepts_of_symbols(family: str, symbol: str, concept: str) -> None:
    assert concept_of(family, symbol) == concept


@pytest.mark.parametrize(
    ("family", "symbol"),
    [
        ("sql", "and"),  # the normalised text is upper-case: "and" is never a SQL symbol text
        ("sql", "*"),  # COUNT(*): every column, not multiplication
        ("sql", "FROM"),
        ("python", "="),  # assignment, not equality
        ("math", "="),
        ("smiles", "="),  # a double bond
        ("regex", "+"),  # one-or-more, not addition
        ("ltl", "U"),
        ("json", ":"),
        ("sparql", "BY"),
    ],
)
def test_symbols_that_realise_no_concept(family: str, symbol: str) -> None:
    assert concept_of(family, symbol) is None


@pytest.mark.parametrize(
    ("family", "output", "concepts"),
    [
        (
            "sql",
            "SELECT a FROM t WHERE x = 1 AND y < 2",
            "projection filtering equality conjunction order_comparison",
        ),
        (
            "sql",
            "select count(*) from t group by a having sum(b) >= 2 order  by min(c) desc limit 3",
            "projection aggregation filtering aggregation order_comparison ordering extremum ordering limit",
        ),
        (
            "fol",
            "all x.(man(x) -> exists y.(woman(y) & -loves(x,y)))",
            "universal implication existential conjunction negation",
        ),
        (
            "fol",
            "forall x.(p(x) and not q(x) | r(x))",
            "universal conjunction negation disjunction",
        ),
        (
            "python",
            "def f(xs):\n    return sorted(x for x in xs if x > 0 and not x == 3 or all(xs))\n",
            "abstraction ordering order_comparison conjunction negation equality disjunction universal",
        ),
        (
            "python",
            "g = lambda v: len(list(filter(None, range(v)))) * 2 + max(v, 1)\n",
            "abstraction aggregation filtering range multiplication addition extremum",
        ),
        (
            "bash",
            "find . -type f -not -name '*.py' | grep foo | sort | head -n 3 && wc -l x || cut -f1 y",
            "negation filtering ordering limit conjunction aggregation disjunction projection",
        ),
        (
            "sparql",
            "SELECT ?x WHERE { ?x ex:age ?a . FILTER(?a > 30) } ORDER BY DESC(?a) LIMIT 3",
            "projection filtering order_comparison ordering ordering limit",
        ),
        ("sparql", "ASK { ?x a ex:City }", "existential"),
        (
            "smtlib",
            "(declare-const x Int)\n(assert (=> (and (> x 1) (not (= x 2))) (<= (+ x (* 2 x)) 9)))\n(check-sat)",
            "implication conjunction order_comparison negation equality order_comparison addition multiplication",
        ),
        (
            "asp",
            "p(X) :- q(X), not r(X), X >= 2.\nc(N) :- N = #count { X : q(X) }, N > 1.\n#show p/1.",
            "implication negation order_comparison implication aggregation order_comparison projection",
        ),
        (
            "pddl",
            "(define (problem p) (:domain d) (:objects a b) (:init (on a b)) (:goal (and (on b a) (not (on a b)))))",
            "conjunction negation",
        ),
        ("ltl", "G (a -> F b) & ! c", "universal implication existential conjunction negation"),
        (
            "lambda",
            "(lambda $0 e (and (state:t $0) (exists $1 (loc:t $1 $0))))",
            "abstraction conjunction existential",
        ),
        ("lambda", "(argmax $0 (state:t $0) (size:i $0))", "extremum"),
        (
            "amr",
            "(w / want-01 :polarity - :ARG0 (a / and :op1 (b / boy) :op2 (g / girl)))",
            "negation conjunction",
        ),
        (
            "latex",
            "\\prod_{j} j \\cdot 2 + 1 = \\sum_{i} i",
            "aggregation multiplication addition equality aggregation",
        ),
        ("xpath", "//book[@lang='en']/title", "filtering equality"),
        ("regex", "(cat|dog)s+[a-z]{2,4}", "disjunction"),
        ("cron", "0 9-17 * * 1-5", "range universal universal range"),
        (
            "math",
            "def solution():\n    a = 3 * 4\n    return a + 1\n",
            "abstraction multiplication addition",
        ),
    ],
)
def test_a_familys_lexer_gives_the_mapped_texts_of_a_hand_written_output(
    family: str, output: str, concepts: str
) -> None:
    symbols = registry.get(family).symbols(output)
    assert [c for c in (concept_of(family, s.text) for s in symbols) if c] == concepts.split()


def _with(family: str, concepts: dict) -> Family:
    return dataclasses.replace(registry.get(family), concepts=concepts)


@pytest.mark.parametrize(
    ("concepts", "message"),
    [
        ({"conjuction": ("AND",)}, r"family 'sql': concept 'conjuction' is not in .*CONCEPTS"),
        (
            {"conjunction": ("AND",), "disjunction": ("OR", "AND")},
            r"family 'sql': symbol 'AND' is mapped to two concepts, 'conjunction' and 'disjunction'",
        ),
        ({"conjunction": "AND"}, r"family 'sql': concept 'conjunction' must map to a non-empty tuple"),
        ({"conjunction": ()}, r"family 'sql': concept 'conjunction' must map to a non-empty tuple"),
    ],
)
def test_a_bad_mapping_is_a_value_error_naming_the_family(concepts: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        concept_table(_with("sql", concepts))


def test_a_registered_familys_mapping_is_validated_when_read_and_replaced_families_are_reread() -> None:
    bad = dataclasses.replace(
        _with("sql", {"negation": ("NOT", "NOT"), "nope": ("X",)}), name="sql2", tasks=()
    )
    unregister = registry.register(bad)
    try:
        with pytest.raises(ValueError, match="family 'sql2': concept 'nope'"):
            concept_of("sql2", "NOT")
    finally:
        unregister()
    good = dataclasses.replace(_with("sql", {"negation": ("NOT",)}), name="sql2", tasks=())
    unregister = registry.register(good)
    try:
        assert concept_of("sql2", "NOT") == "negation"
        assert concept_of("sql2", "AND") is None
    finally:
        unregister()


def _sample(i: int, family: str, output: str) -> Sample:
    return Sample(f"s-{i}", "t", family, "do it", "", output, "hand")


def test_concept_counts_on_hand_written_samples_skip_and_count_what_does_not_lex() -> None:
    samples = [
        _sample(0, "sql", "SELECT a FROM t WHERE x = 1 AND y < 2 AND z >= 3"),
        _sample(1, "sql", "SELECT COUNT(*) FROM t"),
        _sample(2, "ltl", "G (a -> F b"),  # unbalanced: the parser-based lexer fails
        _sample(3, "ltl", "G a & F b"),
        _sample(4, "nl", "just words"),  # no family: skipped too
    ]
    counts = concept_counts(samples)
    assert counts.samples == 3
    assert dict(counts.skipped) == {"ltl": 1, "nl": 1}
    cells = {(r.concept, r.family): (r.symbols, r.occurrences) for r in counts}
    assert cells[("conjunction", "sql")] == (1, 2)
    assert cells[("order_comparison", "sql")] == (2, 2)
    assert cells[("projection", "sql")] == (1, 2)
    assert cells[("aggregation", "sql")] == (1, 1)
    assert cells[("ordering", "sql")] == (0, 0)  # declared, not in these samples
    assert cells[("universal", "ltl")] == cells[("existential", "ltl")] == (1, 1)
    assert ("conjunction", "json") not in cells  # json declares no concept
    order = [r.concept for r in counts]
    assert order == sorted(order, key=concept_names().index)


def test_the_data_card_table_is_concept_counts_of_the_analysis_split() -> None:
    expected = markdown_table(concept_counts(load_split("analysis")))
    card = CARD.read_text(encoding="utf-8")
    assert expected in card, (
        "symbolcollection/README.md's concept table is stale: paste `python -m symbolcollection concepts`"
    )


def test_the_concepts_command_prints_the_table_and_what_it_skipped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["concepts", "--split", "analysis"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| concept | sql | fol |")
    assert re.search(r"^\| conjunction \| [\d,]+ \(1\) \|", out, re.M)
    assert re.search(r"^analysis: \d+ samples lexed; skipped \(output does not lex\): none$", out, re.M)
