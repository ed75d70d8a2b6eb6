"""Confidence interval of a proportion (an accuracy over independent items)."""

from __future__ import annotations

import math
from statistics import NormalDist


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``successes`` out of ``n`` (``(nan, nan)`` when ``n == 0``).

    Unlike the normal (Wald) interval it stays inside [0, 1] and is not empty at 0 % or 100 %.
    """
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} not in 0..{n}")
    if not 0 < level < 1:
        raise ValueError(f"level {level} not in (0, 1)")
    if n == 0:
        return (math.nan, math.nan)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))
