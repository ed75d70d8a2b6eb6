"""General suite against independent references: choice log-likelihoods (the tree scorer and the
shared-prefix MMLU scorer) equal one full forward per (context, choice) on ``tiny``; the
shared-prefix picks equal the plain path's; a model that always answers the gold letter scores
1.0 (0.0 when the gold is another letter); the held-out NL loss equals a by-hand response-token
cross-entropy on two samples."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch

from analysis.evaluate import mmlu
from analysis.evaluate.choices import Query, batches, choice_loglik, encode_query
from analysis.evaluate.general import mmlu_items, mmlu_rows, nl_loss_row, pick
from analysis.evaluate.prefix import common_prefix, one_token, shared_prefix_loglik
from lm.checkpoints import load_model, load_tokenizer, resolve


@pytest.fixture(scope="module")
def tiny():
    ckpt = resolve("tiny")
    return load_model(ckpt), load_tokenizer(ckpt)


@torch.no_grad()
def _reference(model, query) -> list[float]:
    """Sum of log p(choice token) from one full, unpadded forward of context + choice."""
    out = []
    for choice in query.choices:
        ids = torch.tensor([[*query.context, *choice]])
        logp = torch.log_softmax(model(ids).logits.double(), dim=-1)[0]
        start = len(query.context)
        out.append(sum(float(logp[start - 1 + j, tok]) for j, tok in enumerate(choice)))
    return out


def test_choice_loglik_equals_one_forward_per_pair(tiny) -> None:
    model, tok = tiny
    prompts = [
        ("The capital of France is ", ["Paris", "London", "a very large city indeed"]),
        ("Q: 2+2\nA: ", ["4", "five"]),
        (
            "Sentence: the cat sat on the mat because it was tired.\nPronoun identification: ",
            ["the cat", "the mat", "Ambiguous"],
        ),
        ("x", ["y", "yy", "yyy", "z"]),
    ]
    queries = [encode_query(tok, c, ch) for c, ch in prompts]
    assert len({len(q) for q in queries}) > 2  # different lengths: padding is exercised
    for max_tokens in (10_000, 1):  # everything in one padded batch, then one query per batch
        got = choice_loglik(model, queries, pad_id=tok.pad_token_id or 0, max_tokens=max_tokens)
        for q, g in zip(queries, got, strict=True):
            assert g.shape == (len(q.choices),)
            assert g == pytest.approx(_reference(model, q), abs=2e-4)
    assert len(batches(queries, 10_000)) == 1 and len(batches(queries, 1)) == len(queries)


def test_continuation_tokens_follow_the_context(tiny) -> None:
    _, tok = tiny
    q = encode_query(tok, "Answer: ", ["Paris"])
    whole = tok("Answer: Paris")["input_ids"]
    assert list(q.context) + list(q.choices[0]) == whole  # the trailing space moved to the choice
    assert list(q.context) == tok("Answer:")["input_ids"]


def _topic(n: int = 6, gold: str | None = None) -> mmlu.Topic:
    """A hand-made topic of ``n`` questions of varied lengths (golds cycle A..D unless ``gold``)."""
    lines = []
    for i in range(n):
        letter = gold or "ABCD"[i % 4]
        q = f"Question {i}: " + "which of these is the one " * (1 + i % 3) + "?"
        lines.append(
            json.dumps(
                {
                    "question": q,
                    "answer_a": f"alpha {i}",
                    "answer_b": "beta",
                    "answer_c": "gamma " * i,
                    "answer_d": "delta",
                    "correct_answer": letter,
                    "topic": "hand made",
                }
            )
        )
    return mmlu.parse(lines, "hand.jsonl")[0]


@pytest.mark.parametrize("shots", [0, 2])
def test_shared_prefix_logliks_equal_one_plain_forward_per_choice(tiny, shots: int) -> None:
    model, tok = tiny
    real = mmlu.load()[3]  # a real topic too: its 5 shots make a long shared prefix
    for topic, k in ((_topic(), shots), (real, 5)):
        queries = [
            encode_query(tok, mmlu.prompt(topic, q, k), mmlu.CHOICES) for q in mmlu.scored(topic, k, 4)
        ]
        assert all(one_token(q) for q in queries) and common_prefix([q.context for q in queries]) > 10
        for max_tokens in (100_000, 1):  # all questions in one batch, then one per batch
            (got,) = shared_prefix_loglik(model, [queries], pad_id=0, max_tokens=max_tokens)
            for q, g in zip(queries, got, strict=True):
                assert g == pytest.approx(_reference(model, q), abs=1e-4)


def test_several_token_choices_fall_back_to_the_full_context(tiny) -> None:
    model, tok = tiny
    queries = [
        encode_query(tok, f"Shared words here. Item {i}. Answer:", [" yes", " no way at all"])
        for i in range(3)
    ]
    assert not any(one_token(q) for q in queries)
    (got,) = shared_prefix_loglik(model, [queries], pad_id=0)
    for q, g in zip(queries, got, strict=True):
        assert g == pytest.approx(_reference(model, q), abs=1e-4)


def test_common_prefix_leaves_each_context_a_token() -> None:
    assert common_prefix([(1, 2, 3, 4), (1, 2, 3, 5), (1, 2, 9)]) == 2
    assert common_prefix([(1, 2, 3), (1, 2, 3)]) == 2 and common_prefix([(7,), (7, 8)]) == 0
    assert common_prefix([(4, 5, 6, 7)]) == 3


def test_shared_prefix_picks_equal_the_plain_paths_picks(tiny) -> None:
    model, tok = tiny
    topics = mmlu.load()[:4]
    records = mmlu_items(model, tok, topics, shots=5, per_task=3)
    plain = []
    for t in topics:
        for q in mmlu.scored(t, 5, 3):
            query = encode_query(tok, mmlu.prompt(t, q, 5), mmlu.CHOICES)
            pairs = [Query(query.context, (c,)) for c in query.choices]
            plain.append(np.concatenate(choice_loglik(model, pairs, pad_id=0)))
    assert [r["pick"] for r in records] == [mmlu.LETTERS[int(np.argmax(p))] for p in plain]
    assert np.abs(np.array([r["loglik"] for r in records]) - np.array(plain)).max() < 1e-4
    assert [r["id"] for r in records][:3] == [q.id for q in mmlu.scored(topics[0], 5, 3)]


def _prefers(model, tok, letter: str):
    """``model`` whose next token is always ``letter`` (with its leading space), whatever the input."""
    forced = copy.deepcopy(model)
    (token,) = tok(f" {letter}", add_special_tokens=False)["input_ids"]
    head = torch.nn.Linear(forced.config.hidden_size, forced.config.vocab_size, bias=True)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.fill_(-30.0)
        head.bias[token] = 0.0
    forced.lm_head = head
    return forced


@pytest.mark.parametrize(("gold", "expected"), [("B", 1.0), ("C", 0.0)])
def test_a_model_that_prefers_the_gold_letter_scores_one(tiny, gold: str, expected: float) -> None:
    model, tok = tiny
    forced = _prefers(model, tok, "B")
    topic = _topic(9, gold=gold)
    records = mmlu_items(forced, tok, [topic], shots=2, per_task=10)
    rows = mmlu_rows(records, [topic], 2)
    assert [r["task"] for r in rows] == ["mmlu/hand made", "mmlu"]
    assert rows[-1]["n"] == 7 and rows[-1]["accuracy"] == expected and rows[-1]["chance"] == 0.25
    assert all(r["pick"] == "B" and r["correct"] is (expected == 1.0) for r in records)
    lo, hi = rows[-1]["accuracy_ci"]
    assert lo <= expected <= hi and hi - lo < 0.5


@torch.no_grad()
def _by_hand(model, tok, samples) -> tuple[float, int]:
    """Summed cross-entropy over each sample's assistant turn, and its token count."""
    total, count = 0.0, 0
    for s in samples:
        user = f"{s.instruction}\n\n{s.input}" if s.input.strip() else s.instruction
        msgs = [{"role": "user", "content": user}]
        prompt = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        full = tok.apply_chat_template([*msgs, {"role": "assistant", "content": s.output}], tokenize=False)
        ids = tok(full, add_special_tokens=False)["input_ids"]
        p = len(tok(prompt, add_special_tokens=False)["input_ids"])
        logits = model(torch.tensor([ids])).logits[0].double()
        loss = torch.nn.functional.cross_entropy(logits[p - 1 : -1], torch.tensor(ids[p:]), reduction="sum")
        total, count = total + float(loss), count + len(ids) - p
    return total, count


def test_nl_loss_equals_by_hand_cross_entropy(tiny) -> None:
    from symbolcollection import load_general

    model, tok = tiny
    row = nl_loss_row(model, tok, per_split=2, seed=5)
    samples = load_general("test")
    chosen = [samples[i] for i in pick(len(samples), 2, 5, "general_test")]
    total, count = _by_hand(model, tok, chosen)
    assert row["n"] == 2 and row["n_tokens"] == count
    assert row["loss"] == pytest.approx(total / count, rel=1e-5)
    assert row["suite"] == "general" and row["task"] == "heldout_nl_loss"


def test_pick_is_seeded_and_capped() -> None:
    assert pick(5, 10, 0, "t") == [0, 1, 2, 3, 4]
    got = pick(100, 7, 3, "t")
    assert got == pick(100, 7, 3, "t") and got == sorted(set(got)) and len(got) == 7
    assert all(0 <= i < 100 for i in got) and got != pick(100, 7, 4, "t")


def test_nl_loss_without_chat_template_says_why(tiny) -> None:
    model, tok = tiny
    plain = copy.deepcopy(tok)
    plain.chat_template = None
    row = nl_loss_row(model, plain, per_split=2, seed=0)
    assert row["loss"] is None and row["n"] == 0 and "no chat template" in row["note"]
