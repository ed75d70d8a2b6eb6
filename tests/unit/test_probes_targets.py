"""Depth from each family's parser against hand-counted trees; the corrupted twins of ``valid``."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from probes.targets import _quantile_bins, depth, depth_tasks, skip_reason
from symbolcollection.corrupt import CORRUPT_SUFFIX, make_twins, original_of
from symbolcollection.depth import bracket_depth
from symbolcollection.registry import reason
from symbolcollection.schema import Sample


def _s(family: str, output: str) -> Sample:
    return Sample("x", f"nl2{family}", family, "", "", output, "test")


@pytest.mark.parametrize(
    ("family", "output", "want"),
    [
        ("json", '{"a": 1}', 2),  # object -> 1
        ("json", '{"a": {"b": [1]}}', 4),  # object -> object -> list -> 1
        ("pddl", "(and (on a b) (clear c))", 2),
        ("pddl", "(and (not (on a b)))", 3),
        ("smiles", "CC(C)C", 1),
        ("smiles", "CC(C(C)O)C", 2),
        ("latex", r"\frac{a}{b^{2}}", 2),
        ("sparql", "SELECT ?x WHERE { ?x a ?y . FILTER (?y) }", 2),
    ],
)
def test_depth_of_bracketed_and_json_outputs(family, output, want):
    assert depth(_s(family, output)) == want


def test_python_depth_is_the_ast_depth():
    # Module -> Expr -> Name(x) -> Load: 4 levels; one more BinOp level adds one
    assert depth(_s("python", "x")) == 4
    assert depth(_s("python", "x + y")) == 5


def test_parsers_rank_nesting():
    pairs = [
        ("sql", "SELECT a FROM t", "SELECT a FROM t WHERE a IN (SELECT b FROM u WHERE b > (SELECT 1))"),
        ("fol", "P(a)", "all x.(P(x) -> (Q(x) & -R(x)))"),
        ("regex", "ab", "(a(b(c)))"),
        ("lambda", "(population:i omaha_ne:c)", "(lambda $0 e (and (state:t $0) (loc:t mississippi:r $0)))"),
        ("ltl", "F a", "G (a -> F (b & X c))"),
        ("amr", "(b / boy)", "(b / believe-01 :ARG0 (p / pilot) :ARG1 (o / open-01 :ARG0 (n / nurse)))"),
        ("bash", "ls", "find . -name x | xargs grep y | sort"),
    ]
    for family, flat, nested in pairs:
        a, b = depth(_s(family, flat)), depth(_s(family, nested))
        assert a is not None and b is not None and a < b, (family, a, b)


def test_unparsable_and_treeless():
    assert depth(_s("json", "{not json")) is None
    assert depth(_s("cron", "0 * * * *")) is None
    assert skip_reason("cron") and skip_reason("xpath")
    assert skip_reason("sql") is None
    assert bracket_depth("((a)(b((c))))") == 4


def test_depth_bins_skip_families_with_one_value_and_merge_small_bins():
    outs = [(f"json{i}", "json", '{"a": 1}') for i in range(12)]
    outs += [(f"pddl{i}", "pddl", "(and (on a b))" if i < 10 else "(and (not (on a b)))") for i in range(12)]
    outs += [(f"smi{i}", "smiles", "C" + "(C" * (i % 3) + ")" * (i % 3)) for i in range(15)]
    samples = [Sample(i, f"nl2{f}", f, "", "", o, "t") for i, f, o in outs]
    n = len(samples)
    tasks, skipped = depth_tasks(samples, np.arange(n).astype(object), np.arange(n), 5, np.zeros(n, bool))
    assert "every output has depth 2" in skipped["json"]
    assert "no two bins" in skipped["pddl"]  # 10 vs 2: the small bin merges away
    (smiles,) = tasks
    assert smiles.name == "smiles" and sorted(Counter(smiles.y.tolist()).values()) == [5, 5, 5]
    assert _quantile_bins(np.array([6] * 29 + [7] * 11), 3).tolist() == [0] * 29 + [1] * 11


def test_every_twin_has_its_originals_tokens_and_fails_its_checker():
    from analysis.checkpoints import load_tokenizer, resolve
    from symbolcollection import load_split

    originals = load_split("analysis")
    twins = make_twins(originals)
    assert len(twins) > 0.8 * len(originals)
    by_id = {s.id: s for s in originals}
    tok = load_tokenizer(resolve("tiny"))  # SmolLM2's tokenizer
    for t in twins:
        assert t.id.endswith(CORRUPT_SUFFIX)
        orig = by_id[original_of(t.id)]
        assert t.output != orig.output
        a = tok(orig.output, add_special_tokens=False)["input_ids"]
        b = tok(t.output, add_special_tokens=False)["input_ids"]
        assert Counter(a) == Counter(b), (orig.output, t.output)
        assert reason(orig) is None
        assert reason(t) is not None, t.output
