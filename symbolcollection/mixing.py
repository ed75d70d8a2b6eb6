"""The Infusion mix: symbolic and general-NL samples at a given ratio, deterministically."""

from __future__ import annotations

import random
from collections.abc import Sequence

from symbolcollection.schema import Sample
from symbolscope.errors import UserError


def _resample(samples: Sequence[Sample], n: int, rng: random.Random) -> list[Sample]:
    """Exactly ``n`` samples: whole shuffled passes over ``samples`` (up-sampling), then a random
    subset for the remainder (down-sampling)."""
    out: list[Sample] = []
    pool = list(samples)
    while len(out) + len(pool) <= n:
        out += pool
    rest = list(pool)
    rng.shuffle(rest)
    return out + rest[: n - len(out)]


def mix(symbolic: Sequence[Sample], general: Sequence[Sample], ratio: float, seed: int) -> list[Sample]:
    """Mix ``symbolic`` and ``general`` samples so that a fraction ``ratio`` of the result is general.

    The symbolic set is kept whole (each sample once); the general set is up- or down-sampled to
    ``round(ratio / (1 - ratio) * len(symbolic))`` samples (whole passes, then a seeded random
    subset). ``ratio=0`` returns the symbolic set; ``ratio=1`` is refused. The result is shuffled
    with ``seed`` (deterministic) and the ratio is recorded by the caller (the trainer's card).
    """
    if not 0.0 <= ratio < 1.0:
        raise UserError(f"mix ratio {ratio}: must be the general-NL fraction in [0, 1), e.g. 0.3")
    if not symbolic:
        raise UserError("mix: the symbolic set is empty")
    n_general = round(ratio / (1.0 - ratio) * len(symbolic))
    if n_general and not general:
        raise UserError(f"mix: ratio {ratio} needs general samples but the general set is empty")
    rng = random.Random(f"mix:{seed}")
    out = list(symbolic) + (_resample(general, n_general, rng) if n_general else [])
    rng.shuffle(out)
    return out


def mix_card(
    symbolic: Sequence[Sample], general: Sequence[Sample], ratio: float, seed: int, mixed: Sequence[Sample]
) -> dict[str, object]:
    """The record of a mix for an output's card: ratio, seed, sizes and the achieved fraction."""
    n_gen = sum(1 for s in mixed if s.family == "nl")
    return {
        "ratio": ratio,
        "seed": seed,
        "symbolic_in": len(symbolic),
        "general_in": len(general),
        "total": len(mixed),
        "general_out": n_gen,
        "achieved_ratio": n_gen / len(mixed) if mixed else 0.0,
    }
