"""Shared prompt prefixes: vectors computed after a cached prefix equal ``output_hidden_states``
of one unpadded forward from token 0 (samples, symbols, corrupted twins after their originals'
prompts, both padding sides), and the prefix really is not run again."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from support.extract import assert_close_scaled, truth_states

from analysis.extract.capture import capturing
from analysis.extract.engine import extract_chunk, holding_models, prefix_cache, want_prefixes
from analysis.extract.prefix import MIN_PREFIX, Prefix, PrefixCache, common_prefix, past_mask
from analysis.extract.samples import from_samples, load_dataset
from analysis.extract.spans import Item, prepare
from analysis.layers import FINAL_NORM
from lm.checkpoints import load_model, load_tokenizer, resolve
from symbolcollection.corrupt import original_of

LAYERS = [0, 1, 2, FINAL_NORM]


@pytest.fixture(scope="module")
def tiny():
    ckpt = resolve("tiny")
    return load_model(ckpt), load_tokenizer(ckpt)


@pytest.fixture(scope="module")
def pairs(tiny):
    """Items of 24 corrupted twins and of their originals (with symbols), and each item's truth:
    its unpadded forward's hidden states, pooled over its span and over each symbol."""
    _, tok = tiny
    twins = list(load_dataset("analysis-valid").samples[::30][:24])
    by_id = {s.id: s for s in load_dataset("analysis").samples}
    originals = [by_id[original_of(t.id)] for t in twins]
    orig = [prepare(tok, s, "symbol", i, symbols=True) for i, s in enumerate(originals)]
    twin = [prepare(tok, s, "symbol", i) for i, s in enumerate(twins)]
    assert all(isinstance(it, Item) for it in orig + twin)
    return orig, twin, twins


def _truth(model, items: list[Item]) -> tuple[dict, dict]:
    samples: dict = {k: [] for k in LAYERS}
    symbols: dict = {k: [] for k in LAYERS}
    for it in items:
        states = truth_states(model, it.input_ids[: it.needed], LAYERS)
        for k, v in states.items():
            samples[k].append(v[list(it.positions)].mean(0))
            symbols[k].extend(v[list(s.positions)].mean(0) for s in it.symbols)
    return samples, symbols


def _counting(cap) -> list[int]:
    """Count the padded tokens every forward of ``cap`` computes."""
    seen: list[int] = []
    run = cap.run

    def counted(batch):
        seen.append(int(batch.input_ids.numel()))
        return run(batch)

    cap.run = counted
    return seen


@pytest.mark.parametrize("padding_side", ["left", "right"])
def test_vectors_after_a_shared_prefix_equal_a_forward_from_token_0(tiny, pairs, padding_side) -> None:
    model, tok = tiny
    orig, twin, _ = pairs
    cache = PrefixCache()
    for it in twin:  # the twins' prompts, asked for before their originals run
        cache.want(it.input_ids[: it.first_pooled])
    symbols: dict = {}
    with capturing(model, [0, 2, FINAL_NORM], [1, 2]) as cap:
        seen = _counting(cap)
        got_orig = extract_chunk(
            cap, orig, tok.pad_token_id, 64, "mean", padding_side, 900, None, symbols, cache
        )
        before = sum(seen)
        got_twin = extract_chunk(
            cap, twin, tok.pad_token_id, 64, "mean", padding_side, 900, None, None, cache
        )
    want_orig, want_sym = _truth(model, orig)
    want_twin, _ = _truth(model, twin)
    assert len(want_sym[1]) == len(symbols[1]) > 200
    for key, (got, want) in itertools.product(
        [0, 2, FINAL_NORM], [(got_orig, want_orig), (got_twin, want_twin)]
    ):
        for row, expected in enumerate(want[key]):
            assert_close_scaled(torch.from_numpy(got[key][row]), expected)
    for key in (1, 2):
        for row, expected in enumerate(want_sym[key]):
            assert_close_scaled(torch.from_numpy(symbols[key][row]), expected)
    # each twin's prompt was kept from its original's forward, so the twins ran their outputs only
    assert len(cache.entries) == len(twin)  # one prompt per twin
    outputs = sum(it.needed - it.positions[0] for it in twin)
    assert sum(seen) - before < 2 * outputs < sum(it.needed for it in twin) / 2


def test_the_common_prefix_is_run_once_per_chunk(tiny, pairs) -> None:
    model, tok = tiny
    orig, _, _ = pairs
    n = common_prefix([it.input_ids for it in orig], [it.positions[0] for it in orig])
    assert n >= MIN_PREFIX  # the system prompt every sample starts with
    cache = PrefixCache()
    with capturing(model, [2], []) as cap:
        seen = _counting(cap)
        extract_chunk(cap, orig, tok.pad_token_id, 64, batch_tokens=900, prefixes=cache)
        first = list(seen)
        extract_chunk(cap, orig, tok.pad_token_id, 64, batch_tokens=900, prefixes=cache)
    assert first[0] == n and seen[len(first)] == n and len(seen) == 2 * len(first)
    assert sum(first[1:]) <= sum(it.needed - n for it in orig) * 1.5  # the rest: after the prefix
    assert not cache.entries  # a chunk's own prefix is not held for the next chunks


def test_want_prefixes_holds_the_twins_prompts_for_the_checkpoint(tiny, pairs) -> None:
    _, _, twins = pairs
    ckpt = resolve("tiny")
    assert want_prefixes(ckpt, "float32", from_samples(twins), "symbol") == 0  # nothing held outside
    with holding_models():
        assert want_prefixes(ckpt, "float32", from_samples(twins), "symbol") == len(twins)
        assert sum(len(v) for v in prefix_cache(ckpt, "float32").wanted.values()) == len(twins)
        assert not prefix_cache(resolve("base"), "float32").wanted  # one checkpoint at a time


def test_past_mask_equals_a_brute_force_rule() -> None:
    real = torch.tensor([[1, 1, 1, 0], [0, 1, 1, 1], [1, 1, 1, 1]], dtype=torch.bool)
    starts, width = [2, 0, 3], 3
    got = past_mask(starts, real, width)
    assert got.shape == (3, 1, 4, 7)
    for r, i, j in itertools.product(range(3), range(4), range(7)):
        seen = j < starts[r] if j < width else bool(real[r, j - width]) and j - width <= i
        assert bool(got[r, 0, i, j]) == seen, (r, i, j)


def test_common_prefix_and_the_cache_lookups() -> None:
    assert common_prefix([[1, 2, 3, 4], [1, 2, 3, 9], [1, 2, 5]], [9, 9, 9]) == 2
    assert common_prefix([[1, 2, 3, 4], [1, 2, 3, 4]], [3, 9]) == 3
    kv = ((torch.zeros(1, 10, 2), torch.zeros(1, 10, 2)),)
    cache = PrefixCache(budget=4 * kv[0][0].nbytes)  # room for 20 tokens' keys and values
    long_ids = tuple(range(10))
    assert cache.add(Prefix(long_ids, kv))
    short = Prefix(long_ids[:8], tuple((k[:, :8], v[:, :8]) for k, v in kv))
    assert cache.add(short)
    assert not cache.add(Prefix(tuple(range(1, 11)), kv))  # over the budget
    assert cache.used == kv[0][0].nbytes * 2 * 18 // 10  # 18 tokens held
    seq = [*long_ids, 77]
    assert cache.longest(seq, 11, 1) is cache.entries[long_ids]
    assert cache.longest(seq, 9, 1) is short  # the limit keeps it before the first pooled token
    assert cache.longest(seq, 11, 2) is None  # keys and values for too few blocks
    assert cache.longest([5, *seq], 11, 1) is None
    fresh = PrefixCache()
    fresh.want(long_ids)
    fresh.want(long_ids[:3])  # too short to be worth a pass
    assert fresh.wanted_in(seq, 11) == 10 and fresh.wanted_in(seq, 9) == 0
    assert np.array_equal(sorted(fresh.wanted), [10])
