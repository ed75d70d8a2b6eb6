"""Every family's lexer: it covers every output of the collection's generators (spans in order,
non-overlapping, inside the text, only whitespace or the language's comments outside them), gives
the hand-worked symbols, classes and spans of known outputs, normalises as its language says, and
reports an output it cannot split as one :class:`LexError` line."""

from __future__ import annotations

import random
import re

import pytest

from symbolcollection import registry
from symbolcollection.family import Family, LexError, Symbol

CLASSES = {"keyword", "operator", "identifier", "literal", "punctuation"}
#: comment syntax of the languages that have comments (independent of the lexers' own tables)
COMMENTS = {
    "sql": r"--[^\n]*",
    "python": r"#[^\n]*",
    "math": r"#[^\n]*",
    "bash": r"#[^\n]*",
    "sparql": r"#[^\n]*",
    "pddl": r";[^\n]*",
    "amr": r"#[^\n]*",
    "latex": r"%[^\n]*",
}


def assert_covers(family: str, text: str, symbols: list[Symbol]) -> None:
    """The guarantee, checked character by character: every character lies in at most one span,
    and a character in no span is whitespace or inside a comment of the language."""
    owner = [-1] * len(text)
    for k, sym in enumerate(symbols):
        assert sym.cls in CLASSES, sym
        assert 0 <= sym.start < sym.end <= len(text), sym
        if k:
            assert symbols[k - 1].end <= sym.start, (symbols[k - 1], sym)
        for i in range(sym.start, sym.end):
            assert owner[i] == -1, (sym, i)
            owner[i] = k
    outside = "".join(ch if owner[i] == -1 else "\0" for i, ch in enumerate(text))
    if family in COMMENTS:
        outside = re.sub(COMMENTS[family], "", outside)
    assert not outside.replace("\0", "").strip(), (family, text, outside)


def sample_outputs(family: Family) -> list[str]:
    """Gold outputs of every task of ``family`` from its seeded generators, as many as the
    collection draws (the task's target)."""
    outputs = []
    for task in family.tasks:
        outputs += [d.output for d in task.generate(random.Random(7), task.target)]
    return outputs


@pytest.mark.parametrize("family", registry.families(), ids=lambda f: f.name)
def test_every_family_lexes_its_generated_outputs(family: Family) -> None:
    outputs = sample_outputs(family)
    assert len(outputs) >= 250
    seen: set[str] = set()
    for text in outputs:
        symbols = family.symbols(text)
        assert symbols, text
        assert_covers(family.name, text, symbols)
        seen |= {s.cls for s in symbols}
    assert len(seen) >= 2, (family.name, seen)


@pytest.mark.parametrize("family", [f for f in registry.families() if f.evolve], ids=lambda f: f.name)
def test_symbol_evol_renames_identifiers_in_place(family: Family) -> None:
    """An output and its Symbol-Evol variant lex to the same classes in the same order, and every
    symbol that changed is an identifier ([14/14] pairs them by position)."""
    from symbolcollection.evol import EvolFailed
    from symbolcollection.schema import Sample

    assert family.evolve is not None

    rng, pairs = random.Random(3), 0
    for task in family.tasks:
        for i, d in enumerate(task.generate(random.Random(5), 12)):
            sample = Sample(f"{task.name}-{i}", d.task, d.family, d.instruction, d.input, d.output, d.source)
            try:
                evolved = family.evolve(sample, rng)  # the renamer alone (evol.evolve also checks)
            except EvolFailed:
                continue
            before, after = family.symbols(sample.output), family.symbols(evolved.output)
            assert [s.cls for s in before] == [s.cls for s in after], (sample.output, evolved.output)
            changed = [(a.cls, b.cls) for a, b in zip(before, after, strict=True) if a.text != b.text]
            assert changed and set(changed) == {("identifier", "identifier")}, (sample.output, changed)
            pairs += 1
    assert pairs >= 10


def spans(text: str, symbols: list[Symbol]) -> list[tuple[str, str, int, int]]:
    return [(s.text, s.cls, s.start, s.end) for s in symbols]


def lex(name: str, text: str) -> list[tuple[str, str, int, int]]:
    return spans(text, registry.get(name).symbols(text))


def test_sql_query() -> None:
    text = "select name, COUNT(*) FROM towns WHERE country = 'Peru' and population >= 28 group  by name"
    assert lex("sql", text) == [
        ("SELECT", "keyword", 0, 6),
        ("name", "identifier", 7, 11),
        (",", "punctuation", 11, 12),
        ("COUNT", "keyword", 13, 18),
        ("(", "punctuation", 18, 19),
        ("*", "operator", 19, 20),
        (")", "punctuation", 20, 21),
        ("FROM", "keyword", 22, 26),
        ("towns", "identifier", 27, 32),
        ("WHERE", "keyword", 33, 38),
        ("country", "identifier", 39, 46),
        ("=", "operator", 47, 48),
        ("'Peru'", "literal", 49, 55),
        ("AND", "keyword", 56, 59),
        ("population", "identifier", 60, 70),
        (">=", "operator", 71, 73),
        ("28", "literal", 74, 76),
        ("GROUP BY", "keyword", 77, 86),
        ("name", "identifier", 87, 91),
    ]


def test_fol_formula() -> None:
    text = "all x.(Dog(x) and -Cat(x) -> exists y.Loves(x,y))"
    assert lex("fol", text) == [
        ("all", "keyword", 0, 3),
        ("x", "identifier", 4, 5),
        (".", "punctuation", 5, 6),
        ("(", "punctuation", 6, 7),
        ("Dog", "identifier", 7, 10),
        ("(", "punctuation", 10, 11),
        ("x", "identifier", 11, 12),
        (")", "punctuation", 12, 13),
        ("&", "operator", 14, 17),
        ("-", "operator", 18, 19),
        ("Cat", "identifier", 19, 22),
        ("(", "punctuation", 22, 23),
        ("x", "identifier", 23, 24),
        (")", "punctuation", 24, 25),
        ("->", "operator", 26, 28),
        ("exists", "keyword", 29, 35),
        ("y", "identifier", 36, 37),
        (".", "punctuation", 37, 38),
        ("Loves", "identifier", 38, 43),
        ("(", "punctuation", 43, 44),
        ("x", "identifier", 44, 45),
        (",", "punctuation", 45, 46),
        ("y", "identifier", 46, 47),
        (")", "punctuation", 47, 48),
        (")", "punctuation", 48, 49),
    ]


def test_sparql_query() -> None:
    text = 'select (COUNT(?p) AS ?n) WHERE { ?p a ex:Person ; ex:age ?a . FILTER(?a > 39 && ?a != "x"@en) }'
    assert lex("sparql", text) == [
        ("SELECT", "keyword", 0, 6),
        ("(", "punctuation", 7, 8),
        ("COUNT", "keyword", 8, 13),
        ("(", "punctuation", 13, 14),
        ("?p", "identifier", 14, 16),
        (")", "punctuation", 16, 17),
        ("AS", "keyword", 18, 20),
        ("?n", "identifier", 21, 23),
        (")", "punctuation", 23, 24),
        ("WHERE", "keyword", 25, 30),
        ("{", "punctuation", 31, 32),
        ("?p", "identifier", 33, 35),
        ("a", "keyword", 36, 37),
        ("ex:Person", "identifier", 38, 47),
        (";", "punctuation", 48, 49),
        ("ex:age", "identifier", 50, 56),
        ("?a", "identifier", 57, 59),
        (".", "punctuation", 60, 61),
        ("FILTER", "keyword", 62, 68),
        ("(", "punctuation", 68, 69),
        ("?a", "identifier", 69, 71),
        (">", "operator", 72, 73),
        ("39", "literal", 74, 76),
        ("&&", "operator", 77, 79),
        ("?a", "identifier", 80, 82),
        ("!=", "operator", 83, 85),
        ('"x"', "literal", 86, 89),
        ("@en", "literal", 89, 92),
        (")", "punctuation", 92, 93),
        ("}", "punctuation", 94, 95),
    ]


def test_python_function() -> None:
    text = (
        "def f(xs):\n"
        "    # keep the positive ones\n"
        '    return [x for x in xs if x > 0 and x != None] or "none"\n'
    )
    assert lex("python", text) == [
        ("def", "keyword", 0, 3),
        ("f", "identifier", 4, 5),
        ("(", "punctuation", 5, 6),
        ("xs", "identifier", 6, 8),
        (")", "punctuation", 8, 9),
        (":", "punctuation", 9, 10),
        ("return", "keyword", 44, 50),
        ("[", "punctuation", 51, 52),
        ("x", "identifier", 52, 53),
        ("for", "keyword", 54, 57),
        ("x", "identifier", 58, 59),
        ("in", "keyword", 60, 62),
        ("xs", "identifier", 63, 65),
        ("if", "keyword", 66, 68),
        ("x", "identifier", 69, 70),
        (">", "operator", 71, 72),
        ("0", "literal", 73, 74),
        ("and", "keyword", 75, 78),
        ("x", "identifier", 79, 80),
        ("!=", "operator", 81, 83),
        ("None", "literal", 84, 88),
        ("]", "punctuation", 88, 89),
        ("or", "keyword", 90, 92),
        ('"none"', "literal", 93, 99),
    ]


def test_pddl_goal() -> None:
    text = "(AND (on b1 b0) (not (clear ?x)) (at-robby rooma)) ; goal"
    assert lex("pddl", text) == [
        ("(", "punctuation", 0, 1),
        ("and", "keyword", 1, 4),
        ("(", "punctuation", 5, 6),
        ("on", "identifier", 6, 8),
        ("b1", "identifier", 9, 11),
        ("b0", "identifier", 12, 14),
        (")", "punctuation", 14, 15),
        ("(", "punctuation", 16, 17),
        ("not", "keyword", 17, 20),
        ("(", "punctuation", 21, 22),
        ("clear", "identifier", 22, 27),
        ("?x", "identifier", 28, 30),
        (")", "punctuation", 30, 31),
        (")", "punctuation", 31, 32),
        ("(", "punctuation", 33, 34),
        ("at-robby", "identifier", 34, 42),
        ("rooma", "identifier", 43, 48),
        (")", "punctuation", 48, 49),
        (")", "punctuation", 49, 50),
    ]


def test_regex() -> None:
    text = r"^[^a-z0-9_]{2,}(?:ab|c\d)+\.txt$"
    assert lex("regex", text) == [
        ("^", "keyword", 0, 1),
        ("[", "punctuation", 1, 2),
        ("^", "operator", 2, 3),
        ("a-z", "literal", 3, 6),
        ("0-9", "literal", 6, 9),
        ("_", "literal", 9, 10),
        ("]", "punctuation", 10, 11),
        ("{2,}", "operator", 11, 15),
        ("(?:", "punctuation", 15, 18),
        ("ab", "literal", 18, 20),
        ("|", "operator", 20, 21),
        ("c", "literal", 21, 22),
        (r"\d", "keyword", 22, 24),
        (")", "punctuation", 24, 25),
        ("+", "operator", 25, 26),
        (r"\.", "literal", 26, 28),
        ("txt", "literal", 28, 31),
        ("$", "keyword", 31, 32),
    ]


def test_amr_spans_across_lines() -> None:
    amr = "(w / want-01 :ARG0 (b / boy)\n   :ARG1 b :polarity -)"
    assert lex("amr", amr) == [
        ("(", "punctuation", 0, 1),
        ("w", "identifier", 1, 2),
        ("/", "punctuation", 3, 4),
        ("want-01", "identifier", 5, 12),
        (":ARG0", "keyword", 13, 18),
        ("(", "punctuation", 19, 20),
        ("b", "identifier", 20, 21),
        ("/", "punctuation", 22, 23),
        ("boy", "identifier", 24, 27),
        (")", "punctuation", 27, 28),
        (":ARG1", "keyword", 32, 37),
        ("b", "identifier", 38, 39),
        (":polarity", "keyword", 40, 49),
        ("-", "literal", 50, 51),
        (")", "punctuation", 51, 52),
    ]


#: family, output, its symbols as ``normalised-text/class`` words (spans: the coverage test)
TAGGED = [
    (
        "bash",
        "find . -name '*.sh' | xargs rm && echo $HOME > out.txt",
        "find/identifier ./literal -name/keyword '*.sh'/literal |/operator xargs/identifier rm/literal"
        " &&/operator echo/identifier $HOME/identifier >/operator out.txt/literal",
    ),
    (
        "lambda",
        "(lambda $0 e (and (state:t $0) (next_to:t $0 texas:s)))",
        "(/punctuation lambda/keyword $0/identifier e/keyword (/punctuation and/keyword (/punctuation"
        " state:t/identifier $0/identifier )/punctuation (/punctuation next_to:t/identifier"
        " $0/identifier texas:s/identifier )/punctuation )/punctuation )/punctuation",
    ),
    (
        "ltl",
        "G (a -> F !b) & (c U d)",
        "G/operator (/punctuation a/identifier ->/operator F/operator !/operator b/identifier"
        " )/punctuation &/operator (/punctuation c/identifier U/operator d/identifier )/punctuation",
    ),
    (
        "api_call",
        '{"name": "set_alarm", "arguments": {"hour": 7}}',
        '{/punctuation "name"/identifier :/punctuation "set_alarm"/identifier ,/punctuation'
        ' "arguments"/identifier :/punctuation {/punctuation "hour"/identifier :/punctuation 7/literal'
        " }/punctuation }/punctuation",
    ),
    (
        "json",
        '{"name": "Ada", "a": [-2.5e3, true, null]}',
        '{/punctuation "name"/identifier :/punctuation "Ada"/literal ,/punctuation "a"/identifier'
        " :/punctuation [/punctuation -2.5e3/literal ,/punctuation true/literal ,/punctuation"
        " null/literal ]/punctuation }/punctuation",
    ),
    (
        "cron",
        "*/15 9-17 * jan,MAR mon",
        "*/operator //operator 15/literal 9/literal -/operator 17/literal */operator JAN/literal"
        " ,/punctuation MAR/literal MON/literal",
    ),
    (
        "smiles",
        "O=[N+]([O-])c1ccc(Cl)cc1.Br",
        "O/identifier =/operator [N+]/identifier (/punctuation [O-]/identifier )/punctuation"
        " c/identifier 1/literal c/identifier c/identifier c/identifier (/punctuation Cl/identifier"
        " )/punctuation c/identifier c/identifier 1/literal ./punctuation Br/identifier",
    ),
    (
        "latex",
        r"\frac{d}{dx} x_{1}^{2} \leq 3",
        r"\frac/keyword {/punctuation d/identifier }/punctuation {/punctuation d/identifier"
        r" x/identifier }/punctuation x/identifier _/operator {/punctuation 1/literal }/punctuation"
        r" ^/operator {/punctuation 2/literal }/punctuation \leq/keyword 3/literal",
    ),
    (
        "xpath",
        "//book[@lang='fr' and position() < 3]/child::title",
        "///operator book/identifier [/punctuation @/punctuation lang/identifier =/operator"
        " 'fr'/literal and/keyword position/keyword (/punctuation )/punctuation </operator 3/literal"
        " ]/punctuation //operator child/keyword ::/punctuation title/identifier",
    ),
    (
        "math",
        "sqrt(x) + y**2/7",
        "sqrt/identifier (/punctuation x/identifier )/punctuation +/operator y/identifier **/operator"
        " 2/literal //operator 7/literal",
    ),
]


@pytest.mark.parametrize(("family", "text", "expected"), TAGGED, ids=[t[0] for t in TAGGED])
def test_symbols_and_classes(family: str, text: str, expected: str) -> None:
    found = " ".join(f"{s.text}/{s.cls}" for s in registry.get(family).symbols(text))
    assert found == expected


#: one output per family with its conjunction, and that symbol as the lexer names it ([14/14]'s
#: concept "conjunction": SQL AND, FOL &, SPARQL &&, Python and, PDDL (and ...), LTL &, lambda and)
CONJUNCTIONS = [
    ("sql", "SELECT a FROM t WHERE b = 1 and c = 2", ("AND", "keyword")),
    ("fol", "(Happy(tom) and Tall(tom))", ("&", "operator")),
    ("fol", "(Happy(tom) ^ Tall(tom))", ("&", "operator")),
    ("sparql", "ASK { ?s ex:p ?o . FILTER(?o > 1 && ?o < 5) }", ("&&", "operator")),
    ("python", "def f(a, b):\n    return a and b\n", ("and", "keyword")),
    ("pddl", "(and (on a b) (clear a))", ("and", "keyword")),
    ("ltl", "F (a & b)", ("&", "operator")),
    ("lambda", "(lambda $0 e (and (city:t $0) (loc:t $0 ohio:s)))", ("and", "keyword")),
    ("xpath", "//book[@lang='fr' and year > 2000]", ("and", "keyword")),
]


@pytest.mark.parametrize(("family", "text", "expected"), CONJUNCTIONS)
def test_conjunction_is_one_normalised_symbol(family: str, text: str, expected: tuple[str, str]) -> None:
    found = [(s.text, s.cls) for s in registry.get(family).symbols(text)]
    assert found.count(expected) == 1, found


def test_sql_column_names_are_identifiers() -> None:
    """Every column of the collection's schemas is a name, never one of sqlglot's keywords."""
    from symbolcollection.families.sql.tables import TABLES

    for table in TABLES:
        for col in table.cols:
            text = f"SELECT t.{col.name}, {col.name} FROM {table.names[0]} AS t"
            found = [(s.text, s.cls) for s in registry.get("sql").symbols(text)]
            assert found.count((col.name, "identifier")) == 2, found


@pytest.mark.parametrize(
    ("family", "text"),
    [
        ("sql", "SELECT 'unterminated"),
        ("python", "def f(:\n    return [1, 2\n"),
        ("lambda", "(lambda $0 e (> $0 3))"),
        ("ltl", "G (a &"),
        ("cron", "* * *"),
        ("json", '{"a": tru}'),
        ("smiles", "C1CC?C1"),
        ("amr", "(w / want-01 :ARG0 (b / boy)) ) ~"),
        ("regex", "ab\\"),
        ("xpath", "//a[@b=#]"),
    ],
)
def test_malformed_output_is_one_lex_error_line(family: str, text: str) -> None:
    with pytest.raises(LexError) as err:
        registry.get(family).symbols(text)
    message = str(err.value)
    assert message.startswith(f"{family}: ") and "\n" not in message and len(message) < 260


def test_family_without_lexer() -> None:
    import dataclasses

    bare = dataclasses.replace(registry.get("cron"), lex=None)
    with pytest.raises(LexError, match="cron: no lexer"):
        bare.symbols("* * * * *")
