"""BBH from a local folder: the two layouts (a checkout with ``bbh/`` or the folder itself), the
0-shot prompt, the exact-match scorer on hand-made generations, and each kind of bad folder as
one line naming it. The task files are written here (BBH's data is never committed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.evaluate import bbh
from symbolscope.errors import UserError


def write_task(folder: Path, name: str, examples: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"canary": "x", "examples": examples}))
    return path


def test_checkout_and_bbh_folder_both_load_tasks_in_name_order(tmp_path: Path) -> None:
    write_task(
        tmp_path / "repo" / "bbh", "web_of_lies", [{"input": "Does Ka tell the truth?", "target": "Yes"}]
    )
    write_task(
        tmp_path / "repo" / "bbh", "boolean_expressions", [{"input": "not True is", "target": "False"}]
    )
    (tmp_path / "repo" / "README.md").write_text("not a task")
    for where in (tmp_path / "repo", tmp_path / "repo" / "bbh"):
        tasks = bbh.load(where)
        assert [t.name for t in tasks] == ["boolean_expressions", "web_of_lies"]
        assert tasks[0].examples[0] == bbh.Example("bbh/boolean_expressions/0", "not True is", "False")
    assert tasks[1].prompt(tasks[1].examples[0]) == "Q: Does Ka tell the truth?\nA:"  # no cot-prompts/


def test_a_checkouts_cot_prompts_give_lm_evals_task_description(tmp_path: Path) -> None:
    write_task(
        tmp_path / "repo" / "bbh", "web_of_lies", [{"input": "Does Ka tell the truth?", "target": "Yes"}]
    )
    write_task(tmp_path / "repo" / "bbh", "navigate", [{"input": "Turn left. Start?", "target": "No"}])
    (tmp_path / "repo" / "cot-prompts").mkdir()
    (tmp_path / "repo" / "cot-prompts" / "web_of_lies.txt").write_text(
        "canary line\n-----\nEvaluate a random boolean function expressed as a word problem.\n\n"
        "Q: Question: Fidel lies. Does Fidel tell the truth?\nA: Let's think step by step.\nSo the answer is No.\n"
    )
    for where in (tmp_path / "repo", tmp_path / "repo" / "bbh"):
        navigate, lies = bbh.load(where)
        assert lies.prompt(lies.examples[0]) == (
            "Evaluate a random boolean function expressed as a word problem.\n\nQ: Does Ka tell the truth?\nA:"
        )
        assert (
            navigate.description == "" and navigate.prompt(navigate.examples[0]) == "Q: Turn left. Start?\nA:"
        )


@pytest.mark.parametrize(
    ("generation", "target", "right"),
    [
        (" False", "False", True),
        (" False\n\nQ: next question", "False", True),
        (" (B)\nQ: more", "(B)", True),
        (" (B) because", "(B)", False),
        (" false", "False", False),  # exact: case matters, as lm-eval's exact_match
        ("", "False", False),
        ("\n\nFalse", "False", False),  # the blank line ends the answer before it starts
        (" 24 ", " 24", True),
    ],
)
def test_exact_match_cuts_at_the_first_stop_and_strips(generation: str, target: str, right: bool) -> None:
    assert bbh.exact_match(generation, target) is right


def test_stop_rule_fires_on_blank_line_or_next_question() -> None:
    assert bbh.finished(" True\n\n") and bbh.finished(" True Q:") and not bbh.finished(" True\n")
    assert bbh.cut(" a Q: b\n\nc") == " a "


def test_missing_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"--bbh .*nope: no such folder; give --bbh DIR"):
        bbh.load(tmp_path / "nope")


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    path = write_task(tmp_path, "navigate", [{"input": "x", "target": "y"}])
    with pytest.raises(UserError, match="is a file, not a folder"):
        bbh.load(path)


def test_folder_without_task_files(tmp_path: Path) -> None:
    (tmp_path / "bbh").mkdir()
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UserError, match=r"no task files \({task}.json\)"):
        bbh.load(tmp_path)


def test_broken_json_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "navigate.json").write_text('{"examples": [\n{"input": "x",, }]}')
    with pytest.raises(UserError, match=r"navigate.json: not valid JSON \(line 2"):
        bbh.load(tmp_path)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"examples": [{"input": "x"}]}, 'example 0 needs string "input" and "target"'),
        ({"examples": [{"input": "x", "target": "y"}, {"target": "y"}]}, 'example 1 needs string "input"'),
        ({"examples": []}, 'needs a non-empty "examples" list'),
        ({"data": []}, 'needs a non-empty "examples" list'),
        ([1, 2], 'needs a non-empty "examples" list'),
        ({"examples": [{"input": "x", "target": 3}]}, 'example 0 needs string "input" and "target"'),
    ],
)
def test_missing_keys_name_the_file_and_example(tmp_path: Path, payload: object, message: str) -> None:
    (tmp_path / "snarks.json").write_text(json.dumps(payload))
    with pytest.raises(UserError, match=message) as err:
        bbh.load(tmp_path)
    assert "snarks.json" in str(err.value) and "\n" not in str(err.value)
