"""``mix``: deterministic up- and down-sampling of the general set to the requested fraction."""

from __future__ import annotations

import pytest

from symbolcollection.mixing import mix, mix_card
from symbolcollection.schema import Sample
from symbolscope.errors import UserError


def _samples(prefix: str, family: str, n: int) -> list[Sample]:
    return [Sample(f"{prefix}{i}", "t", family, "q", "", f"{prefix} out {i}", "test") for i in range(n)]


@pytest.mark.parametrize(
    ("n_sym", "n_gen", "ratio"), [(100, 10, 0.5), (100, 1000, 0.2), (30, 7, 0.9), (50, 5, 0.0)]
)
def test_ratio_is_met_and_symbolic_kept_once(n_sym: int, n_gen: int, ratio: float) -> None:
    sym, gen = _samples("s", "sql", n_sym), _samples("g", "nl", n_gen)
    out = mix(sym, gen, ratio, seed=3)
    n_out = sum(1 for s in out if s.family == "nl")
    assert n_out == round(ratio / (1 - ratio) * n_sym)
    assert sorted(s.id for s in out if s.family == "sql") == sorted(s.id for s in sym)
    counts = [sum(1 for s in out if s.id == g.id) for g in gen]
    assert max(counts, default=0) - min(counts, default=0) <= 1  # up-sampling repeats evenly
    assert mix_card(sym, gen, ratio, 3, out)["general_out"] == n_out


def test_deterministic_and_seed_dependent() -> None:
    sym, gen = _samples("s", "sql", 40), _samples("g", "nl", 40)
    assert mix(sym, gen, 0.3, 1) == mix(sym, gen, 0.3, 1)
    assert mix(sym, gen, 0.3, 1) != mix(sym, gen, 0.3, 2)


@pytest.mark.parametrize("ratio", [-0.1, 1.0, 1.5])
def test_bad_ratio_is_a_user_error(ratio: float) -> None:
    with pytest.raises(UserError, match="ratio"):
        mix(_samples("s", "sql", 3), _samples("g", "nl", 3), ratio, 0)


def test_empty_inputs_are_user_errors() -> None:
    with pytest.raises(UserError, match="symbolic set is empty"):
        mix([], _samples("g", "nl", 3), 0.5, 0)
    with pytest.raises(UserError, match="general set is empty"):
        mix(_samples("s", "sql", 3), [], 0.5, 0)
