"""Extraction engine: parity with ``output_hidden_states``, padding sides, spans, hooks, early stop."""

from __future__ import annotations

import logging

import pytest
import torch
from support.extract import assert_close_scaled, hook_ids, make_samples, truth_vectors

from analysis.extract.batching import collate, plan_batches
from analysis.extract.capture import capturing
from analysis.extract.engine import extract_chunk
from analysis.extract.spans import Item, Skipped, prepare
from analysis.layers import FINAL_NORM, parse_layers
from lm.checkpoints import load_model, load_tokenizer, resolve
from symbolcollection.schema import Sample
from symbolscope.errors import UserError


@pytest.fixture(scope="module")
def tiny():
    ckpt = resolve("tiny")
    return load_model(ckpt), load_tokenizer(ckpt)


def _items(tok, samples, span="symbol"):
    items = [prepare(tok, s, span, i) for i, s in enumerate(samples)]
    assert all(isinstance(it, Item) for it in items)
    return items


@pytest.mark.parametrize("padding_side", ["left", "right"])
@pytest.mark.parametrize("batch", [1, 8])
def test_vectors_equal_unpadded_output_hidden_states(tiny, padding_side: str, batch: int) -> None:
    model, tok = tiny
    items = _items(tok, make_samples(8))
    assert len({len(it.input_ids) for it in items}) > 4  # real padding happens
    layers = parse_layers("all", model.config.num_hidden_layers)
    budget = 1 if batch == 1 else 8 * max(len(it.input_ids) for it in items)
    assert max(len(b) for b in plan_batches([len(it.input_ids) for it in items], budget)) == batch
    with capturing(model, layers) as cap:
        got = extract_chunk(
            cap, items, tok.pad_token_id, model.config.hidden_size, "mean", padding_side, budget
        )
    for row, item in enumerate(items):
        want = truth_vectors(model, item, layers)
        for key in layers:
            assert_close_scaled(torch.from_numpy(got[key][row]), want[key])


@pytest.mark.parametrize("span,pooling", [("instruction", "mean"), ("symbol", "last"), ("last", "mean")])
def test_other_spans_and_last_pooling(tiny, span: str, pooling: str) -> None:
    model, tok = tiny
    items = _items(tok, make_samples(5, seed=3), span)
    layers = [0, 1, 2, FINAL_NORM]
    with capturing(model, layers) as cap:
        got = extract_chunk(cap, items, tok.pad_token_id, 64, pooling, "left", 10_000)
    for row, item in enumerate(items):
        if span == "last":
            assert item.positions == (len(item.input_ids) - 1,)
        want = truth_vectors(model, item, layers, pooling)
        for key in layers:
            assert_close_scaled(torch.from_numpy(got[key][row]), want[key])


def test_final_norm_is_hf_last_hidden_state_and_layer_L_is_pre_norm(tiny) -> None:
    model, tok = tiny
    item = _items(tok, make_samples(1))[0]
    L = model.config.num_hidden_layers
    with capturing(model, [L, FINAL_NORM]) as cap:
        got = cap.run(collate([item], tok.pad_token_id))
    pos = list(item.positions)
    with torch.no_grad():
        hs = model(torch.tensor([item.input_ids]), output_hidden_states=True).hidden_states
    assert_close_scaled(got[FINAL_NORM][0], hs[-1][0, pos].mean(0))  # HF's [-1] is post-norm
    assert float((got[L][0] - got[FINAL_NORM][0]).abs().max()) > 1e-2  # and differs from block L
    model.config.tie_last_hidden_states = False  # HF then returns block L's own output as [-1]
    try:
        with torch.no_grad():
            pre = model(torch.tensor([item.input_ids]), output_hidden_states=True).hidden_states[-1]
    finally:
        model.config.tie_last_hidden_states = None
    assert_close_scaled(got[L][0], pre[0, pos].mean(0))
    with torch.no_grad():  # and the final norm of block L's output is HF's default [-1]
        assert torch.allclose(model.model.norm(pre), hs[-1], atol=1e-6)


def test_span_positions_never_pad_or_bos(tiny) -> None:
    _, tok = tiny
    bos = tok.bos_token_id
    samples = make_samples(6)
    for span in ("symbol", "instruction", "last"):
        items = _items(tok, samples, span)
        for it in items:
            assert all(it.input_ids[p] != bos for p in it.positions)
            assert all(0 <= p < len(it.input_ids) for p in it.positions)
        for side in ("left", "right"):
            b = collate(items, tok.pad_token_id, side)
            real = torch.zeros_like(b.input_ids, dtype=torch.bool)
            for row, it in enumerate(items):
                off = b.input_ids.shape[1] - it.needed if side == "left" else 0
                real[row, off : off + it.needed] = True  # up to the last pooled token (causal)
                assert b.input_ids[row, real[row]].tolist() == list(it.input_ids[: it.needed])
            assert (b.attention_mask is None) == (side == "right")  # right pads come after: causal suffices
            if b.attention_mask is not None:
                assert torch.equal(b.attention_mask.bool(), real)
            assert float(b.weights[~real].abs().sum()) == 0.0
            assert torch.allclose(b.weights.sum(1), torch.ones(len(items)))
    # an output that contains the BOS text itself: still never pooled
    s = Sample("b", "t", "sql", "q", "", "<|im_start|> SELECT 1", "x")
    it = prepare(tok, s, "symbol")
    assert isinstance(it, Item) and bos in it.input_ids[it.positions[0] - 1 : it.positions[-1] + 1]
    assert all(it.input_ids[p] != bos for p in it.positions)


def test_empty_span_is_skipped_not_nan(tiny) -> None:
    _, tok = tiny
    s = Sample("e", "t", "sql", "q", "", "", "x")
    assert isinstance(prepare(tok, s, "symbol"), Skipped)
    assert prepare(tok, s, "symbol").reason == "empty span"
    long = Sample("l", "t", "sql", "q " * 50, "", "SELECT 1", "x")
    assert "too long" in prepare(tok, long, "symbol", max_length=20).reason


def test_hooks_removed_after_run_and_after_error(tiny) -> None:
    model, tok = tiny
    items = _items(tok, make_samples(3))
    truth_vectors(model, items[0], [0])  # HF installs its own (inactive) capture hooks once
    before = hook_ids(model)
    with capturing(model, [0, 1, FINAL_NORM]) as cap:
        assert len(hook_ids(model)) == len(before) + 3
        cap.run(collate(items, tok.pad_token_id))
    assert hook_ids(model) == before
    bad = Item(0, "bad", (10**9,), (0,))  # an id past the vocabulary: the embedding raises
    with pytest.raises(IndexError), capturing(model, [1, 2]) as cap:
        cap.run(collate([bad], tok.pad_token_id))
    assert hook_ids(model) == before
    with pytest.raises(RuntimeError), capturing(model, [1]) as cap:
        raise RuntimeError("user code fails inside the context")
    assert hook_ids(model) == before


def test_forward_stops_after_deepest_layer_and_never_reaches_lm_head(tiny) -> None:
    model, tok = tiny
    items = _items(tok, make_samples(2))
    calls: list[str] = []
    watch = [
        model.model.layers[0].register_forward_hook(lambda *a: calls.append("block1")),
        model.model.layers[1].register_forward_hook(lambda *a: calls.append("block2")),
        model.model.norm.register_forward_hook(lambda *a: calls.append("norm")),
        model.lm_head.register_forward_hook(lambda *a: calls.append("lm_head")),
    ]
    try:
        for layers, expect in (([0], []), ([1], ["block1"]), ([0, FINAL_NORM], ["block1", "block2", "norm"])):
            calls.clear()
            with capturing(model, layers) as cap:
                out = cap.run(collate(items, tok.pad_token_id))
            assert calls == expect and set(out) == set(layers)
    finally:
        for h in watch:
            h.remove()


def test_plan_batches_respects_budget_and_covers_once() -> None:
    lengths = [5, 100, 7, 7, 50, 3, 400, 20, 20, 21]
    batches = plan_batches(lengths, 60)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths)
    for b in batches:
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 60
    assert plan_batches(lengths, 1) == [[i] for i in flat]


def test_layer_parsing_names_the_valid_range() -> None:
    assert parse_layers("all", 30) == [*range(31), FINAL_NORM]
    assert parse_layers("0,10,20", 30) == [0, 10, 20]
    assert parse_layers("-1", 30) == [30]
    assert parse_layers([-31, "final_norm", 5, 5], 30) == [0, 5, FINAL_NORM]
    for bad in ("31", "-32", "x", ""):
        with pytest.raises(UserError, match=r"valid layers are 0\.\.30"):
            parse_layers(bad, 30)


class _NoOffsets:
    """A tokenizer without offset mappings (like a slow tokenizer)."""

    def __init__(self, tok):
        self._tok = tok

    def __getattr__(self, name):
        return getattr(self._tok, name)

    def __call__(self, text, **kw):
        if kw.get("return_offsets_mapping"):
            raise NotImplementedError("no offsets")
        return self._tok(text, **kw)


def test_tokenizer_without_offsets_falls_back_with_a_warning(tiny, caplog: pytest.LogCaptureFixture) -> None:
    from symbolcollection.chat import has_offsets as check_offsets

    _, tok = tiny
    slow = _NoOffsets(tok)
    root = logging.getLogger("symbolscope")
    root.addHandler(caplog.handler)
    try:
        assert check_offsets(slow) is False
        assert check_offsets(tok) is True
        for s in make_samples(4, seed=7):
            for span in ("symbol", "instruction"):
                assert prepare(slow, s, span) == prepare(tok, s, span)
    finally:
        root.removeHandler(caplog.handler)
    assert any("no offsets mapping" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
def test_base_parity_few_samples_both_padding_sides() -> None:
    ckpt = resolve("base")
    model, tok = load_model(ckpt), load_tokenizer(ckpt)
    items = _items(tok, make_samples(3, seed=11))
    layers = [0, 1, 15, 30, FINAL_NORM]
    truth = [truth_vectors(model, item, layers) for item in items]
    for side in ("left", "right"):
        with capturing(model, layers) as cap:
            got = extract_chunk(cap, items, tok.pad_token_id, 576, "mean", side, 10_000)
        for row in range(len(items)):
            for key in layers:
                assert_close_scaled(torch.from_numpy(got[key][row]), truth[row][key])
