"""The uniformity study's settings: :class:`Config` (every default of the study and its CLI)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from analysis.layers import layers_option
from analysis.metrics.bootstrap import MIN_BOOTSTRAP
from analysis.store import POOLINGS, SPANS, pooling_option, span_option, split_option
from analysis.symbolstore import UNITS
from symbolscope.cli import option
from symbolscope.errors import UserError

#: The pairings of each unit of the study (``evol`` exists for both).
UNIT_PAIRS = dict(
    zip(UNITS, (("family", "evol", "nl-symbol"), ("same-symbol", "concept", "evol")), strict=True)
)
PAIR_KINDS = tuple(dict.fromkeys(k for kinds in UNIT_PAIRS.values() for k in kinds))


@dataclass(frozen=True)
class Config:
    """Every setting of the study (all recorded in the result's ``config``).

    ``layers``: ``last | all | "0,10,-1,final_norm"``; ``unit``: ``sample`` (one pooled vector per
    sample) or ``symbol`` (one vector per symbol occurrence, :mod:`analysis.uniformity.symbols`);
    ``pairs``: ``family | evol | nl-symbol`` for samples, ``same-symbol | concept | evol`` for
    symbols; ``families``: restrict to these (default: all in the store); ``concepts``: the
    concepts of ``--pairs concept`` (default: every concept in >= 2 families); ``bootstrap``:
    resamples (0 = no intervals); ``max_pairs``: cap on positive pairs per family (concept);
    ``max_occurrences``: symbol occurrences (or types) a uniformity is computed on at most;
    ``seed`` seeds pairs, subsamples and bootstrap.
    """

    layers: str = layers_option("last")
    span: str = span_option()
    unit: str = option("sample", "what a vector stands for: a sample or a symbol occurrence", choices=UNITS)
    pairs: str = option("family", "which pairs are positives", choices=PAIR_KINDS)
    t: float = option(2.0, "uniformity temperature t > 0")
    alpha: float = option(2.0, "alignment exponent alpha > 0")
    families: tuple[str, ...] | None = option(None, "comma-separated families (none: all in the store)")
    concepts: tuple[str, ...] | None = option(
        None, "comma-separated concepts of --pairs concept (none: every concept in >= 2 families)"
    )
    bootstrap: int = option(1000, "bootstrap resamples (0 = no intervals)")
    max_pairs: int = option(1000, "cap on positive pairs per family")
    max_occurrences: int = option(2000, "--unit symbol: occurrences a uniformity is computed on at most")
    seed: int = option(0, "seed for pair sampling and bootstrap")
    split: str = split_option()
    pooling: str = pooling_option()
    level: float = option(0.95, "confidence level of the bootstrap intervals")

    def check(self) -> None:
        """Raise :class:`UserError` for a setting outside its domain."""
        for name in ("t", "alpha"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise UserError(f"--{name} must be a positive number, got {value}")
        check_resamples(self.bootstrap, "--bootstrap")
        if self.families is not None and not self.families:
            raise UserError("--families names no family; give comma-separated family names or leave it out")
        if self.max_pairs < 1:
            raise UserError(f"--max-pairs must be >= 1, got {self.max_pairs}")
        if self.pairs not in PAIR_KINDS:
            raise UserError(f"unknown pairing '{self.pairs}'; choose one of {', '.join(PAIR_KINDS)}")
        self._check_unit()
        if self.span not in SPANS or self.pooling not in POOLINGS:
            raise UserError(f"span must be one of {SPANS} and pooling one of {POOLINGS}")
        if not 0.0 < self.level < 1.0:
            raise UserError(f"level must be in (0, 1), got {self.level}")

    def _check_unit(self) -> None:
        """The pairing belongs to the unit; the symbol-only settings are used only where they apply."""
        if self.unit not in UNIT_PAIRS:
            raise UserError(f"unknown unit '{self.unit}'; choose one of {', '.join(UNITS)}")
        if self.pairs not in UNIT_PAIRS[self.unit]:
            other = next(u for u, kinds in UNIT_PAIRS.items() if self.pairs in kinds)
            raise UserError(
                f"--pairs {self.pairs} pairs {other}s, not {self.unit}s; with --unit {self.unit} choose "
                f"one of {', '.join(UNIT_PAIRS[self.unit])} (or give --unit {other})"
            )
        if self.concepts is not None and (self.pairs != "concept" or not self.concepts):
            raise UserError("--concepts applies to --pairs concept only and names at least one concept")
        if self.pairs == "concept" and self.families is not None and len(set(self.families)) < 2:
            raise UserError(
                f"--pairs concept pairs symbols of different families; --families names only "
                f"{', '.join(sorted(set(self.families)))}: give at least two or leave it out"
            )
        if self.max_occurrences < 2:
            raise UserError(f"--max-occurrences must be >= 2, got {self.max_occurrences}")


def check_resamples(n_boot: Any, name: str) -> None:
    """Raise :class:`UserError` unless ``n_boot`` is 0 (no intervals) or at least :data:`MIN_BOOTSTRAP`."""
    if (
        isinstance(n_boot, bool)
        or not isinstance(n_boot, int)
        or not (n_boot == 0 or n_boot >= MIN_BOOTSTRAP)
    ):
        raise UserError(
            f"{name} {n_boot!r}: give 0 (no intervals) or at least {MIN_BOOTSTRAP} resamples "
            "(fewer give intervals that may not contain the estimate)"
        )
