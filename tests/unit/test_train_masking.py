"""Item 2: loss only on responses, found with the model's own chat template."""

from __future__ import annotations

import logging

import pytest

from lm.checkpoints import load_tokenizer, resolve
from lm.masking import IGNORE, encode_examples, response_labels, shift_targets
from symbolcollection.chat import user_content
from symbolcollection.schema import Sample
from trainer import toydata


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer(resolve("tiny"))


def _ids(out):
    return list(out["input_ids"] if hasattr(out, "keys") else out)


def _samples() -> list[Sample]:
    splits = toydata.build({"symbolic_train": 12, "general_train": 12})
    extra = Sample("multi", "t", "sql", "Use table t.", "id | name\n1 | x", "SELECT name\nFROM t;", "test")
    return [*splits["symbolic_train"], *splits["general_train"], extra]


def test_labels_are_exactly_the_assistant_turn(tok) -> None:
    """Independent truth: tokenize the template's prompt and full conversation directly."""
    samples = _samples()
    examples, report = encode_examples(tok, samples, max_length=4096)
    assert report.kept == len(samples) and report.dropped_no_trainable == 0
    for sample, ex in zip(samples, examples, strict=True):
        msgs = [{"role": "user", "content": user_content(sample)}]
        prompt = _ids(tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True))
        full_msgs = [*msgs, {"role": "assistant", "content": sample.output}]
        full = _ids(tok.apply_chat_template(full_msgs, tokenize=True))
        assert ex.input_ids == full
        labels = [IGNORE, *ex.targets[:-1]]  # un-shift: labels[i] = targets[i - 1]
        assert all(t == IGNORE for t in labels[: len(prompt)]), "a prompt token is labelled"
        assert labels[len(prompt) :] == full[len(prompt) :], "a response token is not labelled"
        assert ex.targets[-1] == IGNORE
        assert ex.n_trainable == len(full) - len(prompt) > 0
        full_text = tok.apply_chat_template(full_msgs, tokenize=False)
        prompt_text = tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
        trained = tok.decode([t for t in labels if t != IGNORE])
        assert trained == full_text[len(prompt_text) :]
        assert sample.output in trained


def test_shift_and_labels_helpers() -> None:
    assert response_labels([5, 6, 7, 8], 2) == [IGNORE, IGNORE, 7, 8]
    assert shift_targets([IGNORE, IGNORE, 7, 8]) == [IGNORE, 7, 8, IGNORE]


def test_zero_trainable_samples_are_counted_and_reported(tok, caplog) -> None:
    long_prompt = Sample("long", "t", "sql", "word " * 300, "", "SELECT 1;", "test")
    ok = Sample("ok", "t", "sql", "Select one.", "", "SELECT 1;", "test")
    with caplog.at_level(logging.WARNING, logger="symbolscope"):
        examples, report = encode_examples(tok, [long_prompt, ok], max_length=64, overlong="truncate")
    assert [e.sample_id for e in examples] == ["ok"]
    assert report.dropped_no_trainable == 1 and report.no_trainable_ids == ["long"]
    assert report.truncated == 1
    assert "no response token" in caplog.text
    assert all(e.n_trainable > 0 for e in examples)


def test_overlong_policies(tok) -> None:
    long_answer = Sample(
        "la", "t", "sql", "Select.", "", "SELECT " + ", ".join(f"c{i}" for i in range(80)), "t"
    )
    ok = Sample("ok", "t", "sql", "Select one.", "", "SELECT 1;", "test")
    kept, rep = encode_examples(tok, [long_answer, ok], max_length=64, overlong="truncate")
    assert rep.truncated == 1 and rep.dropped_overlong == 0 and len(kept) == 2
    assert len(kept[0]) == 64 and kept[0].n_trainable > 0
    dropped, rep = encode_examples(tok, [long_answer, ok], max_length=64, overlong="drop")
    assert (
        rep.dropped_overlong == 1 and rep.overlong_ids == ["la"] and [e.sample_id for e in dropped] == ["ok"]
    )
