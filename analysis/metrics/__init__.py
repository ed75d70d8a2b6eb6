"""Pure functions on arrays (no files): geometry (unit rows, alignment, uniformity), bootstrap, pairs.

- :mod:`~analysis.metrics.geometry` — L2 normalisation, ``alignment``, ``uniformity`` (blocked,
  one log-sum-exp), pair distances;
- :mod:`~analysis.metrics.bootstrap` — percentile bootstrap over samples, vectorised over resamples;
- :mod:`~analysis.metrics.pairs` — positive pairs (same family, Symbol-Evol twins), seeds, id alignment.
"""

from analysis.metrics.geometry import (
    MetricValue,
    UnitRows,
    alignment,
    l2_normalise,
    pair_distances,
    uniformity,
)

__all__ = ["MetricValue", "UnitRows", "alignment", "l2_normalise", "pair_distances", "uniformity"]
