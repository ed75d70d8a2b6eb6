"""Split assignment by a hash of the normalised output, so that no output is in two splits.

Per family, the ``ANALYSIS_PER_FAMILY`` outputs with the smallest hashes form the held-out,
balanced ``analysis`` split; of the rest, a hash fraction below ``TEST_FRACTION`` goes to
``test`` and everything else to ``train``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from symbolcollection.fingerprint import output_hash
from symbolcollection.schema import Sample

SPLITS: tuple[str, ...] = ("train", "analysis", "test")
#: Splits derived from a stored one (:mod:`symbolcollection.corrupt`: corrupted twins of ``analysis``).
DERIVED_SPLITS: tuple[str, ...] = ("analysis-valid",)
ANALYSIS_PER_FAMILY = 40
TEST_FRACTION = 0.1


def hash_fraction(output: str) -> float:
    """A number in [0, 1] from the normalised output's hash (bits independent of the ranking that
    picks the analysis split, so ``test`` is a uniform share of what remains)."""
    return int(output_hash(output)[16:28], 16) / float(0xFFFFFFFFFFFF)


def assign_splits(
    samples: Sequence[Sample], analysis_per_family: int = ANALYSIS_PER_FAMILY
) -> dict[str, list[Sample]]:
    """``{split: samples}``; each split sorted by (family, task, id)."""
    by_family: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_family[s.family].append(s)
    out: dict[str, list[Sample]] = {k: [] for k in SPLITS}
    for fam in sorted(by_family):
        ranked = sorted(by_family[fam], key=lambda s: (output_hash(s.output), s.id))
        out["analysis"] += ranked[:analysis_per_family]
        for s in ranked[analysis_per_family:]:
            out["test" if hash_fraction(s.output) < TEST_FRACTION else "train"].append(s)
    for k in out:
        out[k].sort(key=lambda s: (s.family, s.task, s.id))
    return out
