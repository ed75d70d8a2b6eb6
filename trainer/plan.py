"""The data plan: which packed rows every optimizer step trains on, fixed before training.

Each epoch shuffles the samples with ``(seed, epoch)``, packs them best-fit decreasing, and
shuffles the rows. Steps walk through the epochs' rows in order, ``rows_per_step`` at a time
(``micro_batch_rows × grad_accum × world_size``); the last step is topped up with empty rows.
Because the plan is a pure function of the lengths and the seed, the *data position* of a
run is just its step number, and every rank (and a resumed run) sees the same plan.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from lm.packing import best_fit_decreasing, packing_efficiency


@dataclass
class Plan:
    """Rows per step for a whole run. Rows are lists of example indices (``[]`` = padding row)."""

    lengths: list[int]
    trainable: list[int]
    length: int
    rows_per_step: int
    seed: int
    epochs: float
    max_steps: int = 0
    _epochs: dict[int, list[list[int]]] = field(default_factory=dict, repr=False)

    def epoch_rows(self, epoch: int) -> list[list[int]]:
        """The packed rows of ``epoch`` (cached)."""
        if epoch not in self._epochs:
            rng = random.Random(f"{self.seed}:{epoch}")
            order = list(range(len(self.lengths)))
            rng.shuffle(order)
            bins = best_fit_decreasing([self.lengths[i] for i in order], self.length)
            rows = [[order[j] for j in b] for b in bins]
            rng.shuffle(rows)
            self._epochs[epoch] = rows
        return self._epochs[epoch]

    @property
    def rows_per_epoch(self) -> int:
        """Packed rows in one epoch."""
        return len(self.epoch_rows(0))

    @property
    def total_steps(self) -> int:
        """Optimizer steps of the run: ``max_steps`` if set, else ``ceil(epochs × rows / step)``."""
        if self.max_steps:
            return self.max_steps
        return max(1, math.ceil(self.epochs * self.rows_per_epoch / self.rows_per_step))

    @property
    def efficiency(self) -> float:
        """Packing efficiency of epoch 0 (real tokens / row capacity)."""
        return packing_efficiency(self.lengths, self.epoch_rows(0), self.length)

    def step_rows(self, step: int) -> list[list[int]]:
        """The ``rows_per_step`` rows of optimizer step ``step`` (0-based)."""
        per_epoch = self.rows_per_epoch
        limit = math.ceil(self.epochs * per_epoch) if not self.max_steps else None
        out: list[list[int]] = []
        for k in range(step * self.rows_per_step, (step + 1) * self.rows_per_step):
            if limit is not None and k >= limit:
                out.append([])
            else:
                out.append(self.epoch_rows(k // per_epoch)[k % per_epoch])
        return out

    def step_tokens(self, rows: Sequence[Sequence[int]]) -> tuple[int, int]:
        """``(trainable tokens, real tokens)`` of ``rows``."""
        trained = sum(self.trainable[i] for row in rows for i in row)
        real = sum(self.lengths[i] for row in rows for i in row)
        return trained, real


def rank_micro_batches(
    rows: Sequence[list[int]], rank: int, world: int, micro_rows: int
) -> list[list[list[int]]]:
    """This rank's share of a step's rows (every ``world``-th row), cut into micro-batches."""
    mine = list(rows[rank::world])
    return [mine[i : i + micro_rows] for i in range(0, len(mine), micro_rows)]
