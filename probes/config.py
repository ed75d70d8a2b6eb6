"""The probes' typed configuration (every field is recorded in the result's ``config``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis.layers import layers_option
from analysis.store import POOLINGS, SPANS, pooling_option, span_option, split_option
from analysis.symbolstore import UNITS
from probes.fit import ProbeSpec
from probes.targets import SYMBOL_TARGETS, TARGETS
from symbolscope.cli import option
from symbolscope.cores import worker_count
from symbolscope.errors import UserError


def parse_targets(spec: str | tuple[str, ...] | list[str], unit: str = "sample") -> tuple[str, ...]:
    """``"all"``, ``"family,depth"`` or a sequence → a tuple of the ``unit``'s targets (UserError
    otherwise, naming the unit when the target belongs to the other one)."""
    known = SYMBOL_TARGETS if unit == "symbol" else TARGETS
    names = [t.strip() for t in spec.split(",")] if isinstance(spec, str) else [str(t) for t in spec]
    names = [t for t in names if t]
    if names == ["all"]:
        return known
    unknown = [t for t in names if t not in known]
    if unknown and unknown[0] in TARGETS + SYMBOL_TARGETS:
        raise UserError(
            f"target '{unknown[0]}' is not a target of --unit {unit}; choose from {', '.join(known)} or all"
        )
    if unknown or not names:
        raise UserError(
            f"unknown target '{unknown[0] if unknown else ''}'; choose from {', '.join(known)} or all"
        )
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Config:
    """Every setting of the probes.

    ``unit``: ``sample`` (one vector per output) or ``symbol`` (one per symbol occurrence, from the
    store's symbol store; see :mod:`probes.symbols`); ``per_cell``: the symbol unit's cap on rows
    per (family, label) cell.
    ``targets``: ``"all"`` or a comma list of ``family, task, depth, valid`` (symbol unit: ``class,
    concept``); ``layers``: ``all |
    last | "0,10,-1,final_norm"``; ``folds``: outer grouped stratified folds; ``inner_folds`` and
    ``Cs``: the inner CV choosing the inverse regularisation; ``pca``: components after
    standardising (None = every dimension); ``control``, ``surface``, ``mdl``, ``transfer``: the
    extras; ``n_jobs``: parallel workers over layers; ``valid_split``: the corrupted twins.
    """

    targets: str = option(
        "all",
        "family | task | depth | valid | all (or a comma list); with --unit symbol: class | concept | all",
        flag="--target",
    )
    unit: str = option(
        "sample", "what a row is: a sample's pooled output or one symbol occurrence", choices=UNITS
    )
    layers: str = layers_option("all")
    span: str = span_option()
    folds: int = option(5, "outer grouped stratified folds")
    seed: int = option(0, "seed of folds, control labels and MDL order")
    split: str = split_option("probe")
    valid_split: str = option("analysis-valid", "the corrupted twins of --split (valid target)")
    pooling: str = pooling_option()
    inner_folds: int = option(2, "inner folds choosing the inverse regularisation")
    Cs: tuple[float, ...] = option(
        (0.1, 1.0, 10.0), "inverse regularisations the inner CV chooses from", flag="--cs"
    )
    pca: int | None = option(None, "PCA components after standardising (none: every dimension)")
    control: bool = option(True, "skip the control tasks")
    surface: bool = option(True, "skip the bag-of-tokens surface baseline")
    mdl: bool = option(True, "skip the online-code description length")
    transfer: bool = option(
        True,
        "skip the transfer (sample unit: trained on originals, tested on Symbol-Evol twins; symbol "
        "unit: the concept probe trained on other families, tested on a held-out family)",
    )
    per_cell: int = option(
        60, "symbol unit: rows kept per (family, label) cell, a seeded draw (the rest are not probed)"
    )
    n_jobs: int = option(2, "parallel workers over layers (-1 = every core)", flag="--jobs")
    level: float = option(0.95, "confidence level of the intervals")
    progress: bool = option(True, "no progress bars")

    def check(self) -> None:
        """Raise :class:`UserError` for a setting outside its domain."""
        if self.unit not in UNITS:
            raise UserError(f"--unit must be one of {', '.join(UNITS)}, got {self.unit!r}")
        parse_targets(self.targets, self.unit)
        if self.unit == "symbol" and self.span != "symbol":
            raise UserError(
                f"--unit symbol probes the symbols of the output; --span must be symbol, not {self.span}"
            )
        if isinstance(self.per_cell, bool) or not isinstance(self.per_cell, int) or self.per_cell < 1:
            raise UserError(f"--per-cell must be a positive integer, got {self.per_cell!r}")
        if not isinstance(self.folds, int) or self.folds < 2:
            raise UserError(f"--folds must be an integer >= 2, got {self.folds}")
        if not isinstance(self.inner_folds, int) or self.inner_folds < 2:
            raise UserError(f"inner_folds must be an integer >= 2, got {self.inner_folds}")
        if not self.Cs or not all(isinstance(c, int | float) and math.isfinite(c) and c > 0 for c in self.Cs):
            raise UserError(f"Cs must be positive numbers, got {self.Cs}")
        if self.pca is not None and (not isinstance(self.pca, int) or self.pca < 1):
            raise UserError(f"--pca must be a positive integer or none, got {self.pca}")
        if self.span not in SPANS or self.pooling not in POOLINGS:
            raise UserError(
                f"span must be one of {', '.join(SPANS)} and pooling one of {', '.join(POOLINGS)}"
            )
        if not 0.0 < self.level < 1.0:
            raise UserError(f"level must be in (0, 1), got {self.level}")
        worker_count(self.n_jobs)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise UserError(f"--seed must be an integer from 0 to 2**32 - 1, got {self.seed!r}")

    @property
    def target_list(self) -> tuple[str, ...]:
        """The targets as a tuple."""
        return parse_targets(self.targets, self.unit)

    def spec(self) -> ProbeSpec:
        """How each probe is fitted."""
        return ProbeSpec(
            folds=self.folds,
            inner_folds=self.inner_folds,
            Cs=tuple(float(c) for c in self.Cs),
            pca=self.pca,
            seed=self.seed,
            level=self.level,
        )
