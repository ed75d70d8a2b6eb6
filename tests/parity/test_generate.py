"""Batched greedy generation equals one-at-a-time ``model.generate`` (the independent reference)."""

from __future__ import annotations

import pytest
import torch

from analysis.evaluate.generate import generate
from analysis.evaluate.prompts import finished
from lm.checkpoints import load


@pytest.fixture(scope="module")
def tiny_varied():
    """``tiny`` with seeded N(0, 0.3) weights: the stock random init emits one token forever,
    which would make the comparison vacuous."""
    model, tok, _ = load("tiny")
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.3, generator=gen)
    return model, tok


REQUESTS = (
    "hi",
    "Write an SQL query listing the students older than 20 from the table students(name, age).",
    "a b c d e f g",
    "SELECT name FROM x WHERE y > 3 ORDER BY name",
    "Translate into first-order logic: every dog barks, and some cats are not lazy at all.",
)


def _one_at_a_time(model, tok, prompt: str, max_new: int, stop) -> list[int]:
    ids = tok(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
    out = model.generate(
        ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=max_new,
        do_sample=False,
        pad_token_id=tok.pad_token_id,
    )[0, ids.shape[1] :].tolist()
    kept: list[int] = []
    for t in out:  # apply the same stop rule as the batched decoder, token by token
        if t == tok.eos_token_id:
            break
        kept.append(t)
        if stop is not None and stop(tok.decode(kept, skip_special_tokens=True)):
            break
    return kept


@pytest.mark.parametrize("batch_tokens", [64, 160, 250, 100_000])
def test_batched_equals_one_at_a_time(tiny_varied, batch_tokens):
    model, tok = tiny_varied
    prompts = [
        tok.apply_chat_template([{"role": "user", "content": r}], tokenize=False, add_generation_prompt=True)
        for r in REQUESTS
    ]
    stops = [None, lambda s: finished(s, "sql"), lambda s: "e" in s, None, lambda s: finished(s, "python")]
    gens = generate(model, tok, prompts, stops=stops, max_new_tokens=20, batch_tokens=batch_tokens)
    lengths = set()
    for p, g, stop in zip(prompts, gens, stops, strict=True):
        ref = _one_at_a_time(model, tok, p, 20, stop)
        assert list(g.token_ids) == ref
        assert g.text == tok.decode(ref, skip_special_tokens=True)
        lengths.add(len(ref))
    assert len(lengths) > 1, "rows should stop at different steps (pruning from the cache is exercised)"


def test_finished_rows_are_refilled_from_the_queue_within_the_budget(tiny_varied, monkeypatch):
    """Continuous batching: prompts join a batch that is already decoding (their cache merged in,
    left-padded), and the batch never exceeds rows × (width + new tokens) <= batch_tokens."""
    from analysis.evaluate import generate as gen_mod

    model, tok = tiny_varied
    prompts = [
        tok.apply_chat_template([{"role": "user", "content": r}], tokenize=False, add_generation_prompt=True)
        for r in REQUESTS
    ]
    joined, widest = [], []
    admit = gen_mod._Active.admit

    def spy(self, rows, encoded):
        joined.append(len(self.rows))
        admit(self, rows, encoded)
        widest.append(len(self.rows) * (self.width() + 20))

    monkeypatch.setattr(gen_mod._Active, "admit", spy)
    generate(
        model, tok, prompts, stops=[lambda s: "e" in s] * len(prompts), max_new_tokens=20, batch_tokens=160
    )
    assert any(n > 0 for n in joined), "no prompt joined a batch that was already decoding"
    assert max(widest) <= 160
