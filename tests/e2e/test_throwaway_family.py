"""A family defined here, as one object, and registered from here (issue 21): build, validate,
extract, evaluate and probes pick it up through the registry alone, and after unregistering it
is gone. Nothing outside this file names it.

The family, ``polish``: integer arithmetic in prefix notation, ``(+ 3 (* 2 4))``. Its value and
depth are computed here by a parser written for the test, the independent truth the stages'
outputs are checked against.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from support.extract import make_home
from support.home import share_sources

import analysis.evaluate
import analysis.extract
import probes
from analysis.evaluate.prompts import extract_answer, finished
from analysis.evaluate.selection import select
from probes.inputs import build_tasks, load_inputs
from symbolcollection import load_split, registry
from symbolcollection.build import collection_dir, ensure_built
from symbolcollection.cli import main
from symbolcollection.config import DEFAULTS
from symbolcollection.family import CheckFailed, Draft, Execution, Family, Outcome, Rule, Symbol, Task
from symbolcollection.infer import infer_family
from symbolcollection.lexing import Pattern, RegexLexer
from symbolcollection.schema import Sample
from symbolcollection.store import read_card
from symbolcollection.tasks.base import phrase
from symbolcollection.validate import validate_file
from symbolscope.errors import run_cli

SCALE = 0.05
NAME, TASK = "polish", "nl2polish-arith"
_TOKEN = re.compile(r"\s*(\(|\)|[-+*]|\d+|\S)")
_OPS = {"+": ("sum", int.__add__), "-": ("difference", int.__sub__), "*": ("product", int.__mul__)}


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.strip())


def _parse(text: str) -> tuple[int, int]:
    """``(value, depth)`` of an expression (a number has depth 1); CheckFailed when malformed."""
    toks = _tokens(text)

    def expr(i: int) -> tuple[int, int, int]:
        if i >= len(toks):
            raise CheckFailed("polish: the expression ends early")
        if toks[i].isdigit():
            return int(toks[i]), 1, i + 1
        if toks[i] != "(" or i + 1 >= len(toks) or toks[i + 1] not in _OPS:
            raise CheckFailed(f"polish: expected a number or '(op', got {toks[i]!r}")
        a, da, j = expr(i + 2)
        b, db, k = expr(j)
        if k >= len(toks) or toks[k] != ")":
            raise CheckFailed("polish: an operation takes two operands and ends with ')'")
        return _OPS[toks[i + 1]][1](a, b), 1 + max(da, db), k + 1

    value, depth, end = expr(0)
    if end != len(toks):
        raise CheckFailed(f"polish: unexpected {toks[end]!r} after the expression")
    return value, depth


def _tree(rng: random.Random, depth: int) -> tuple[str, str]:
    """``(expression, its English description)`` of exactly ``depth`` levels of operations."""
    if depth == 0:
        n = str(rng.randint(0, 9))
        return n, n
    op = rng.choice(sorted(_OPS))
    deep, shallow = _tree(rng, depth - 1), _tree(rng, rng.randint(0, depth - 1))
    (a, qa), (b, qb) = (deep, shallow) if rng.random() < 0.5 else (shallow, deep)
    return f"({op} {a} {b})", f"the {_OPS[op][0]} of {qa} and {qb}"


def _describe(toks: list[str]) -> tuple[str, list[str]]:
    """The English request for a well-formed expression's tokens, and the tokens left over."""
    if toks[0] != "(":
        return toks[0], toks[1:]
    (a, rest) = _describe(toks[2:])
    (b, rest) = _describe(rest)
    return f"the {_OPS[toks[1]][0]} of {a} and {b}", rest[1:]


def _drafts(rng: random.Random, n: int) -> list[Draft]:
    out = []
    for _ in range(n):
        expr, words = _tree(rng, rng.randint(1, 4))
        out.append(
            phrase(rng, TASK, NAME, f"Write {words}", ("Polish notation", "prefix arithmetic"), expr, "test")
        )
    return out


def _check(sample: Sample) -> None:
    _parse(sample.output)


def _value(text: str) -> int | None:
    try:
        return _parse(text)[0]
    except CheckFailed:
        return None


def _judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    return _value(text) is not None and _value(text) == _value(sample.output)


POLISH = Family(
    name=NAME,
    languages=("Polish notation", "prefix arithmetic"),
    tasks=(Task(TASK, "test", "test", _drafts, target=1000),),
    check=_check,
    exact_rule="whitespace runs collapsed, stripped",
    execution=Execution("the same integer when evaluated", _judge),
    depth=lambda text: _parse(text)[1],
    one_line=True,
    infer=(Rule(0, r"^\(\s*[-+*]\s"),),
    lex=RegexLexer(
        (Pattern("punctuation", r"[()]"), Pattern("operator", r"[-+*]"), Pattern("literal", r"\d+"))
    ),
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A fresh home (installed sources and models shared), the family registered, a small build."""
    home = share_sources(make_home(tmp_path_factory.mktemp("throwaway")))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SYMBOLSCOPE_HOME", str(home))
        mp.setenv("SYMBOLSCOPE_DATA_SCALE", str(SCALE))
        without = collection_dir(0, DEFAULTS.evol_share, SCALE)
        unregister = registry.register(POLISH)
        try:
            folder = ensure_built()
            yield {"home": home, "folder": folder, "without": without, "unregister": unregister}
        finally:
            unregister()


def _ours(split: str) -> list[Sample]:
    return [s for s in load_split(split) if s.family == NAME]


def test_the_build_holds_its_samples_and_the_card_lists_it(built: dict) -> None:
    assert built["folder"] != built["without"]  # a collection built without it is not reused
    card = read_card(built["folder"])
    task = card["tasks"][TASK]
    ours = [s for split in ("train", "analysis", "test") for s in _ours(split)]
    assert task["family"] == NAME and task["samples"] == len(ours) == 50 and task["rejected_by_checker"] == 0
    assert card["families"][NAME] == {k: len(_ours(k)) for k in ("train", "analysis", "test") if _ours(k)}
    assert {s.task for s in ours} == {TASK} and len({s.output for s in ours}) == len(ours)
    for s in ours:  # each gold output is well-formed, asked for by its request, lexed into its tokens
        _parse(s.output)
        assert _describe(_tokens(s.output))[0] in s.instruction
        symbols = POLISH.symbols(s.output)
        assert [s.output[y.start : y.end] for y in symbols] == _tokens(s.output)
    assert registry.get(NAME).symbols("(+ 12 3)") == [
        Symbol("(", "punctuation", 0, 1),
        Symbol("+", "operator", 1, 2),
        Symbol("12", "literal", 3, 5),
        Symbol("3", "literal", 6, 7),
        Symbol(")", "punctuation", 7, 8),
    ]


def test_stats_lists_its_task(built: dict, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(main, ["stats", "--words"]) == 0
    table = capsys.readouterr().out
    n = sum(len(_ours(k)) for k in ("train", "analysis", "test"))
    assert re.search(rf"(?m)^{NAME} / {TASK} .* {n} ", table) and "20 families, 32 tasks" in table


def _released(path: Path) -> Path:
    rows = [
        {"instruction": "Write the sum of 2 and 3", "input": "", "output": "(+ 2 3)", "family": NAME},
        {"instruction": "Write the product of 4 and 5", "input": "", "output": "(* 4 5)"},  # inferred
        {"instruction": "Write 7", "input": "", "output": "(- 9 (* 1 2))", "family": NAME},
        {"instruction": "Write the sum of 2 and", "input": "", "output": "(+ 2", "family": NAME},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_validate_accepts_its_rows_and_names_a_bad_one(built: dict, tmp_path: Path) -> None:
    assert infer_family("", "(* 4 5)") == NAME
    rows, problems = validate_file(_released(tmp_path / "released.jsonl"))
    assert rows == 4
    assert problems == [(4, "polish checker rejects the output: polish: the expression ends early")]


@pytest.fixture(scope="module")
def store(built: dict):
    return analysis.extract.run("tiny", split="analysis", layers="-1", progress=False)["tiny"]


def test_extraction_writes_vectors_of_its_samples(store) -> None:
    analysis_ours = load_split("analysis", families=[NAME], include_evol=True)
    vectors, ids, families = store.read(store.layers[0])
    rows = [i for i, f in enumerate(families) if f == NAME]
    assert sorted(ids[i] for i in rows) == sorted(s.id for s in analysis_ours) and len(rows) >= 4
    assert np.isfinite(vectors[rows]).all() and vectors.shape[0] == len(ids)


def test_probes_label_it_and_probe_its_depth(store) -> None:
    cfg = probes.Config(
        targets="family,depth",
        layers="last",
        folds=2,
        control=False,
        surface=False,
        mdl=False,
        transfer=False,
        n_jobs=1,
        progress=False,
    )
    res = probes.run({"tiny": store}, config=cfg)
    assert res.config["family_order"][-1] == NAME
    assert NAME not in res.config["skipped"]["tiny"]["depth_skipped"]
    family_row = next(r for r in res.rows if r["target"] == "family" and r["kind"] == "probe")
    assert family_row["n_classes"] == len(registry.names())
    tasks, _ = build_tasks(load_inputs("tiny", store, None), ("depth",), 2)
    (ours,) = [t for t in tasks["depth"] if t.name == NAME]
    samples = {s.id: s for s in load_split("analysis", families=[NAME], include_evol=True)}
    depths = [_parse(samples[store.sample_ids[r]].output)[1] for r in ours.rows]
    assert len(depths) == len(samples)
    order = np.argsort(depths, kind="stable")  # deeper outputs never fall in a lower bin
    assert np.all(np.diff(np.asarray(ours.y)[order]) >= 0) and len(set(ours.y.tolist())) >= 2


def test_evaluation_scores_it_with_its_own_rule(built: dict, tmp_path: Path) -> None:
    chosen = select(load_split("test"), "family", 5, 0)[NAME]
    assert len(chosen) >= 3
    same_value = f"(* 1 {chosen[0].output})"  # executes to the gold value, not its text
    wrong = f"(+ 1 {chosen[1].output})"
    preds = [same_value, wrong] + [s.output for s in chosen[2:]]
    path = tmp_path / "tiny.jsonl"
    path.write_text(
        "".join(json.dumps({"id": s.id, "prediction": p}) + "\n" for s, p in zip(chosen, preds, strict=True))
    )
    cfg = analysis.evaluate.Config(
        predictions=(str(path),), per_family=5, tasks=("symbolic",), progress=False
    )
    res = analysis.evaluate.run("tiny", config=cfg)
    row = next(r for r in res.rows if r.get("family") == NAME)
    n = len(chosen)
    assert row["ckpt"] == "tiny" and row["n"] == n and row["parse_rate"] == 1.0
    assert row["exec_match"] == pytest.approx((n - 1) / n) and row["exact_match"] == pytest.approx(
        (n - 2) / n
    )
    assert (
        row["scoring"] == "exec: the same integer when evaluated; exact: whitespace runs collapsed, stripped"
    )
    assert res.config["family_order"][-1] == NAME


def test_tiny_is_asked_its_requests_and_its_stop_rule_applies(built: dict) -> None:
    cfg = analysis.evaluate.Config(
        per_family=1, tasks=("symbolic",), max_new_tokens=12, progress=False, examples=1
    )
    res = analysis.evaluate.run("tiny", config=cfg)
    row = next(r for r in res.rows if r.get("family") == NAME)
    assert row["n"] == 1 and row["prompt_format"] == "chat-template" and 0 <= row["exact_match"] <= 1
    # its stop rule (one line: a blank line after content ends the answer), from the registry
    assert finished("(+ 1 2)\n\nThis adds.", NAME) and not finished("(+ 1 2)\n", NAME)
    assert extract_answer("(+ 1 2)\n\nThis adds.", NAME) == "(+ 1 2)"


def test_after_unregistering_it_is_gone(built: dict, tmp_path: Path) -> None:
    built["unregister"]()
    assert NAME not in registry.names() and infer_family("", "(* 4 5)") == "math"  # the next rule
    assert collection_dir(0, DEFAULTS.evol_share, SCALE) == built["without"]
    assert not finished("(+ 1 2)\n\nThis adds.", NAME)
    rows, problems = validate_file(_released(tmp_path / "released.jsonl"))
    assert rows == 4 and [p[0] for p in problems] == [1, 2, 3, 4]
    assert {problems[i][1] for i in (0, 2, 3)} == {"unknown family 'polish'"}
    assert problems[1][1].startswith("math checker rejects the output: math: SyntaxError")
