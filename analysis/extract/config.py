"""What an extraction is asked for: :class:`ExtractConfig`, the one place its defaults are written.

:func:`analysis.extract.extract`, :func:`analysis.extract.ensure_store` and
``python -m analysis.extract run`` all take their defaults from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.extract.batching import DEFAULT_BATCH_TOKENS
from analysis.layers import layers_option
from analysis.store import DTYPES, pooling_option, span_option, split_option
from analysis.symbolstore import SYMBOL_DTYPES
from symbolscope.cli import option

PADDING_SIDES = ("left", "right")


@dataclass(frozen=True)
class ExtractConfig:
    """Which store to make (``split``, ``span``, ``pooling``, ``dtype``: the store key; ``layers``)
    and how (``batch_tokens``, ``padding_side``, ``shard_samples``, ``progress``,
    ``share_prefixes``: none of them changes the vectors beyond float rounding)."""

    split: str = split_option("extract; on the command line a comma list, one model load for all")
    span: str = span_option()
    pooling: str = pooling_option()
    layers: str = layers_option("all")
    dtype: str = option("float32", "dtype the vectors are stored in", choices=DTYPES)
    batch_tokens: int = option(DEFAULT_BATCH_TOKENS, "padded tokens per batch")
    padding_side: str = option("right", "side the batches are padded on", choices=PADDING_SIDES)
    shard_samples: int | None = option(None, "samples per shard (none: about 64 MB each)")
    progress: bool = option(True, "no progress bars")
    share_prefixes: bool = option(
        True, "run every sample from token 0 (default: shared prompt prefixes once; equal to float rounding)"
    )
    symbols: bool = option(
        False, "also write one vector per symbol of each output (symbol span; not for the corrupted twins)"
    )
    symbol_layers: str = option("every:3", "layers of the symbol vectors (all | every:K | comma list)")
    symbol_dtype: str = option("float16", "dtype the symbol vectors are stored in", choices=SYMBOL_DTYPES)


#: The defaults, as the library functions' keywords read them.
DEFAULTS = ExtractConfig()
