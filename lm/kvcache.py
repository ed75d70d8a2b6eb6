"""What a forward from a cached prefix needs, for every model the suite runs: the name of the
forward's cache argument and the longest prefix a set of token sequences shares.

Used by the extraction (:mod:`analysis.extract.prefix`: a chunk's system prompt, a twin's
original's prompt) and the evaluation (:mod:`analysis.evaluate.prefix`: an MMLU topic's shots,
:mod:`analysis.evaluate.generate`: decoding).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any


def cache_argument(module: Any) -> str:
    """The forward argument of ``module`` that takes the key/value cache: ``cache`` in
    transformers >= 5.25, ``past_key_values`` before."""
    return "cache" if "cache" in inspect.signature(module.forward).parameters else "past_key_values"


def common_prefix(seqs: Sequence[Sequence[int]], limits: Sequence[int]) -> int:
    """Length of the longest prefix shared by every sequence of ``seqs``, at most each one's
    ``limits`` entry (0 for no sequences; never negative)."""
    if not seqs:
        return 0
    first, n = seqs[0], max(0, min(limits))
    for seq in seqs[1:]:
        n = min(n, len(seq))
        n = next((i for i in range(n) if seq[i] != first[i]), n)
    return min(n, len(first))
