"""General suite against independent references: choice log-likelihoods equal one full forward
per (context, choice) on ``tiny``; a model forced towards one answer scores 1.0 (0.0 reversed);
the held-out NL loss equals a by-hand response-token cross-entropy on two samples."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from support.extract import make_home

from analysis.checkpoints import load_model, load_tokenizer, resolve
from analysis.evaluate.choices import batches, choice_loglik, encode_query
from analysis.evaluate.general import general_rows, nl_loss_row, pick


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
        ("Sentence: the cat sat on the mat because it was tired.\nPronoun identification: ", ["the cat", "the mat", "Ambiguous"]),
        ("x", ["y", "yy", "yyy", "z"]),
    ]  # fmt: skip
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


class _Forced(torch.nn.Module):
    """A constructed LM whose next-token distribution always favours ``favoured`` tokens."""

    def __init__(self, vocab: int, favoured: set[int]) -> None:
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, 4)
        self.head = torch.nn.Linear(4, vocab)
        with torch.no_grad():
            self.head.weight.zero_()
            self.head.bias.fill_(-30.0)
            self.head.bias[sorted(favoured)] = 0.0
        self.base_model = lambda input_ids, **_: SimpleNamespace(last_hidden_state=self.emb(input_ids))

    def get_output_embeddings(self) -> torch.nn.Module:
        return self.head


def _task(home: Path, right: str, wrong: list[list[str]], reverse: bool) -> None:
    examples = [
        {
            "input": f"question {i}",
            "target_scores": {right: int(not reverse), **{w: int(reverse) for w in ws}},
        }
        for i, ws in enumerate(wrong)
    ]
    (home / "bigbench").mkdir(exist_ok=True)
    (home / "bigbench" / "navigate.json").write_text(json.dumps({"examples": examples}))


@pytest.mark.parametrize(("reverse", "expected"), [(False, 1.0), (True, 0.0)])
def test_forced_answer_scores_one_and_reversed_zero(
    tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reverse: bool, expected: float
) -> None:
    _, tok = tiny
    home = make_home(tmp_path)
    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(home))
    wrong = [["London", "Berlin"], ["Rome"], ["Madrid", "Lisbon", "Vienna"], ["Oslo"]]
    _task(home, "Paris", wrong, reverse)
    favoured = set(encode_query(tok, "Q: x\nA: ", ["Paris"]).choices[0])
    assert all(set(encode_query(tok, "Q: x\nA: ", w).choices[0]) - favoured for ws in wrong for w in ws)
    forced = _Forced(len(tok), favoured)
    for progress in (False, True):
        (row,) = general_rows(forced, tok, tasks=["navigate"], per_task=10, seed=0, progress=progress)
        assert row["n"] == 4 and row["accuracy"] == expected and row["accuracy_norm"] == expected
        assert row["chance"] == pytest.approx(
            (1 / 3 + 1 / 2 + 1 / 4 + 1 / 2) / 4 if not reverse else (2 / 3 + 1 / 2 + 3 / 4 + 1 / 2) / 4
        )
        lo, hi = row["accuracy_ci"]
        assert lo <= row["accuracy"] <= hi and row["suite"] == "general" and row["task"] == "navigate"


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
    from trainer.data import load_general

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
    import copy

    model, tok = tiny
    plain = copy.deepcopy(tok)
    plain.chat_template = None
    row = nl_loss_row(model, plain, per_split=2, seed=0)
    assert row["loss"] is None and row["n"] == 0 and "no chat template" in row["note"]
