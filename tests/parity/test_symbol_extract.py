"""Symbol vectors: parity with ``output_hidden_states`` pooled at each symbol's tokens, the token
rule recomputed independently from the tokenizer's offsets, and a malformed output skipped."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from support.extract import assert_close_scaled, truth_states

from analysis.extract.capture import capturing
from analysis.extract.engine import extract_chunk
from analysis.extract.spans import Item, prepare
from analysis.layers import FINAL_NORM
from lm.checkpoints import load_model, load_tokenizer, resolve
from symbolcollection import load_split, registry
from symbolcollection.chat import render


@pytest.fixture(scope="module")
def tiny():
    ckpt = resolve("tiny")
    return load_model(ckpt), load_tokenizer(ckpt)


@pytest.fixture(scope="module")
def samples():
    """Two analysis samples of every family (the lexers' real outputs)."""
    per: dict[str, list] = {}
    for s in load_split("analysis"):
        per.setdefault(s.family, []).append(s)
    assert set(per) == set(registry.names())
    return [s for fam in registry.names() for s in per[fam][:2]]


def _expected_positions(tok, sample) -> list[tuple[int, ...]]:
    """The rule, recomputed from the offsets: a token goes to the symbol holding its first
    non-whitespace character; a symbol with none takes the token holding its first character."""
    rendered = render(tok, sample)
    enc = tok(rendered.text, add_special_tokens=False, return_offsets_mapping=True)
    base = rendered.symbol_span[0]
    out = []
    for sym in registry.get(sample.family).symbols(sample.output):
        lo, hi = base + sym.start, base + sym.end
        own = []
        for i, (a, b) in enumerate(enc["offset_mapping"]):
            visible = [c for c in range(a, b) if not rendered.text[c].isspace()]
            if visible and lo <= visible[0] < hi:
                own.append(i)
        if not own:
            own = [i for i, (a, b) in enumerate(enc["offset_mapping"]) if a <= lo < b][:1]
        out.append(tuple(own))
    return out


def test_token_rule_matches_an_independent_recomputation(tiny, samples) -> None:
    _, tok = tiny
    shared = 0
    for s in samples:
        item = prepare(tok, s, "symbol", symbols=True)
        assert isinstance(item, Item) and item.symbol_error is None, s.id
        assert [sp.positions for sp in item.symbols] == _expected_positions(tok, s), s.id
        shared += sum(sp.shared for sp in item.symbols)
        for sp in item.symbols:  # every pooled token lies inside the output's tokens
            assert all(item.positions[0] <= p <= item.positions[-1] for p in sp.positions)
    assert shared > 0  # the shared-token case really occurs in these outputs


def test_token_rule_on_a_hand_worked_sql_output(tiny) -> None:
    _, tok = tiny
    s = SimpleNamespace(family="sql")
    sample = next(x for x in load_split("analysis") if x.family == s.family)
    sample = replace(sample, output="SELECT name FROM users WHERE age > 30 AND x = 1")
    item = prepare(tok, sample, "symbol", symbols=True)
    texts = [sp.symbol.text for sp in item.symbols]
    assert texts == ["SELECT", "name", "FROM", "users", "WHERE", "age", ">", "30", "AND", "x", "=", "1"]
    for sp in item.symbols:  # each symbol's own tokens spell it, the leading space aside
        spelled = tok.decode([item.input_ids[p] for p in sp.positions]).strip()
        assert spelled == sample.output[sp.symbol.start : sp.symbol.end]
        assert not sp.shared


@pytest.fixture(scope="module")
def truth(tiny, samples):
    """Per item, every hidden state of one unpadded forward (``output_hidden_states``), pooled at
    each symbol's tokens (the mean over its positions)."""
    model, tok = tiny
    items = [prepare(tok, s, "symbol", i, symbols=True) for i, s in enumerate(samples)]
    per_symbol = []
    for item in items:
        states = truth_states(model, item.input_ids[: item.needed], [0, 1, 2, FINAL_NORM])
        for sp in item.symbols:
            per_symbol.append({k: v[list(sp.positions)].mean(0) for k, v in states.items()})
    return items, per_symbol


@pytest.mark.parametrize("padding_side", ["left", "right"])
def test_symbol_vectors_equal_output_hidden_states_at_their_tokens(tiny, truth, padding_side) -> None:
    model, tok = tiny
    items, want = truth
    layers, sym_layers = [0, 2], [0, 1, 2, FINAL_NORM]
    symbols: dict = {}
    with capturing(model, layers, sym_layers) as cap:
        got = extract_chunk(cap, items, tok.pad_token_id, 64, "mean", padding_side, 600, None, symbols)
    assert set(got) == {0, 1, 2, FINAL_NORM} and set(symbols) == set(sym_layers)
    assert len(symbols[0]) == len(want) > 500
    for row, expected in enumerate(want):
        for key in sym_layers:
            assert_close_scaled(torch.from_numpy(symbols[key][row]), expected[key])


def test_a_malformed_output_keeps_its_sample_vector_and_skips_its_symbols(tiny) -> None:
    model, tok = tiny
    good = next(x for x in load_split("analysis") if x.family == "sql")
    bad = replace(good, id="bad", output='SELECT "unterminated')
    items = [prepare(tok, s, "symbol", i, symbols=True) for i, s in enumerate([good, bad])]
    assert items[1].symbols == () and "sql" in items[1].symbol_error
    symbols: dict = {}
    with capturing(model, [1], [1]) as cap:
        got = extract_chunk(cap, items, tok.pad_token_id, 64, symbols_out=symbols)
    assert np.isfinite(got[1]).all() and got[1].shape == (2, 64)
    assert symbols[1].shape == (len(items[0].symbols), 64)
