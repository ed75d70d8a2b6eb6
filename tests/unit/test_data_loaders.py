"""Loaders for the released schema (family inference, mapping files) and for general instruction
formats; ``validate`` reports every bad row with file, line and reason; nothing is dropped silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symbolcollection.cli import main
from symbolcollection.infer import infer_family, load_mapping
from symbolcollection.loaders import load_general_file, load_released
from symbolscope.errors import UserError, run_cli

#: rows shaped like the released Symbolic_Collection (no family), with the family a reader would give
RELEASED = [
    (
        {"instruction": "Translate to SQL: names of staff", "input": "", "output": "SELECT name FROM staff"},
        "sql",
    ),
    (
        {"instruction": "Write SPARQL", "input": "", "output": "SELECT ?x WHERE { ?x <http://e/p> ?y . }"},
        "sparql",
    ),
    ({"instruction": "Give the goal", "input": "", "output": "(:goal (and (on a b)))"}, "pddl"),
    ({"instruction": "Parse", "input": "", "output": "(lambda $0 e (state:t $0))"}, "lambda"),
    ({"instruction": "Meaning", "input": "", "output": "(w / want-01 :ARG0 (b / boy))"}, "amr"),
    ({"instruction": "Formalise", "input": "", "output": "all x.(Dog(x) -> Animal(x))"}, "fol"),
    ({"instruction": "Give the molecule in SMILES", "input": "", "output": "CCO"}, "smiles"),
    ({"instruction": "Write a bash command to list files", "input": "", "output": "ls -la"}, "bash"),
    ({"instruction": "Implement it", "input": "", "output": "def f(x):\n    return x + 1\n"}, "python"),
    (
        {
            "instruction": "Call the tool",
            "input": "",
            "output": '{"name": "get_weather", "arguments": {"city": "Oslo"}}',
        },
        "api_call",
    ),
    ({"instruction": "Write a regular expression for digits", "input": "", "output": "[0-9]+"}, "regex"),
    ({"instruction": "Schedule", "input": "", "output": "0 5 * * 1-5"}, "cron"),
    ({"instruction": "Typeset", "input": "", "output": "\\frac{a}{b}"}, "latex"),
    ({"instruction": "Convert to LTL", "input": "", "output": "G F a"}, "ltl"),
]


def _write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_released_loader_infers_families(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "released.jsonl", [r for r, _ in RELEASED])
    samples, report = load_released(path)
    assert [s.family for s in samples] == [f for _, f in RELEASED]
    assert report.rows == report.loaded == len(RELEASED) and not report.problems
    assert samples[0].source == "released.jsonl:1" and samples[0].id == "released-000001"
    assert all(s.task == f"released-{s.family}" for s in samples)


def test_infer_family_leaves_plain_text_unplaced() -> None:
    assert infer_family("Tell me a story", "Once upon a time there was a fox.") is None


def test_unplaced_rows_are_reported_not_dropped(tmp_path: Path) -> None:
    rows = [RELEASED[0][0], {"instruction": "Tell me a story", "input": "", "output": "Once upon a time."}]
    path = _write_jsonl(tmp_path / "r.jsonl", rows)
    with pytest.raises(UserError, match=r"line 2: could not infer the family"):
        load_released(path)
    samples, report = load_released(path, skip_invalid=True)
    assert len(samples) == 1 and report.unplaced == [2] and report.rows == 2


def test_mapping_file_places_rows_and_sets_task(tmp_path: Path) -> None:
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"rules": [{"pattern": "^Story:", "family": "json", "task": "stories"}]}))
    path = _write_jsonl(
        tmp_path / "r.jsonl", [{"instruction": "Story: a fox", "input": "", "output": "plain words"}]
    )
    samples, _ = load_released(path, mapping=mapping)
    assert (samples[0].family, samples[0].task) == ("json", "stories")


def test_mapping_file_with_unknown_family_is_a_user_error(tmp_path: Path) -> None:
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"^SQL": "klingon"}))
    with pytest.raises(UserError, match=r"map.json: rule 1 .* unknown family 'klingon'"):
        load_mapping(mapping)
    path = _write_jsonl(tmp_path / "r.jsonl", [RELEASED[0][0]])
    assert run_cli(main, ["validate", str(path), "--mapping", str(mapping)]) == 2


def test_bad_rows_each_named_by_load_and_skip_counts(tmp_path: Path) -> None:
    rows: list[object] = [
        RELEASED[0][0],
        "{not json",
        {"instruction": "x"},
        {"instruction": "x", "output": ""},
    ]
    path = _write_jsonl(tmp_path / "r.jsonl", rows)
    with pytest.raises(UserError, match=r"r.jsonl: line 2: not valid JSON .*3 invalid row"):
        load_released(path)
    samples, report = load_released(path, skip_invalid=True)
    assert len(samples) == 1
    assert [(line, why.split(" (")[0]) for line, why in report.problems] == [
        (2, "not valid JSON"),
        (3, "missing field 'output'"),
        (4, "empty output"),
    ]


def test_empty_file_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    with pytest.raises(UserError, match="empty file"):
        load_released(path)
    assert run_cli(main, ["validate", str(path)]) == 2
    assert f"error: {path}: empty file" in capsys.readouterr().err


def test_validate_names_file_line_and_reason_and_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows: list[object] = [
        RELEASED[0][0],
        "this is not json",
        {"instruction": "Translate to SQL", "input": ""},
        {"instruction": "Translate to SQL", "input": "", "output": "  "},
        {"instruction": "Translate to SQL", "input": "", "output": "SELECT name FROM staff WHERE"},
        {"instruction": "x", "input": "", "output": "y", "family": "klingon"},
        {"instruction": "Tell me a story", "input": "", "output": "Once upon a time."},
        RELEASED[5][0],
    ]
    path = _write_jsonl(tmp_path / "mixed.jsonl", rows)
    assert run_cli(main, ["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:2: not valid JSON" in out
    assert f"{path}:3: missing field 'output'" in out
    assert f"{path}:4: empty output" in out
    assert f"{path}:5: sql checker rejects the output" in out
    assert f"{path}:6: unknown family 'klingon'" in out
    assert f"{path}:7: could not infer the family" in out
    assert f"{path}: 8 rows, 2 valid, 6 invalid" in out


def test_validate_accepts_a_clean_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_jsonl(tmp_path / "ok.jsonl", [r for r, _ in RELEASED])
    assert run_cli(main, ["validate", str(path)]) == 0
    assert f"{len(RELEASED)} rows, {len(RELEASED)} valid, 0 invalid" in capsys.readouterr().out


def test_missing_file_and_offline_hub_name_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        load_released(tmp_path / "nope.jsonl")
    with pytest.raises(UserError, match="cannot load the hub dataset"):
        load_released("Symbol-LLM/Symbolic_Collection_does_not_exist_offline")


def test_general_formats(tmp_path: Path) -> None:
    rows = [
        {"instruction": "Name a colour.", "input": "", "output": "Blue."},
        {
            "conversations": [
                {"from": "system", "value": "Be brief."},
                {"from": "human", "value": "Hi"},
                {"from": "gpt", "value": "Hello!"},
                {"from": "human", "value": "Bye"},
                {"from": "gpt", "value": "Bye!"},
            ]
        },
        {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]},
    ]
    samples, report = load_general_file(_write_jsonl(tmp_path / "g.jsonl", rows))
    assert [(s.instruction, s.input, s.output) for s in samples] == [
        ("Name a colour.", "", "Blue."),
        ("Hi", "Be brief.", "Hello!"),
        ("Bye", "Be brief.", "Bye!"),
        ("2+2?", "", "4"),
    ]
    assert {s.family for s in samples} == {"nl"} and report.rows == 3


def test_general_bad_rows_reported(tmp_path: Path) -> None:
    rows = [{"messages": [{"role": "user", "content": "hi"}]}, {"foo": 1}, {"instruction": "a", "output": ""}]
    path = _write_jsonl(tmp_path / "g.jsonl", rows)
    with pytest.raises(UserError, match="line 1: no user turn followed"):
        load_general_file(path)
    with pytest.raises(UserError, match="no usable rows"):
        load_general_file(path, skip_invalid=True)
    path = _write_jsonl(tmp_path / "g2.jsonl", [*rows, {"instruction": "a", "output": "b"}])
    samples, report = load_general_file(path, skip_invalid=True)
    assert len(samples) == 1 and [line for line, _ in report.problems] == [1, 2, 3]
