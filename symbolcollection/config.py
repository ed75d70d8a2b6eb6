"""How the embedded collection is built: :class:`BuildConfig`, the one place its defaults are written.

``python -m symbolcollection build`` (and ``stats``/``show``/``export``'s ``--seed``),
:func:`symbolcollection.build.ensure_built` and :func:`symbolcollection.collection.ensure_collection`
take their defaults from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from symbolscope.cli import option
from symbolscope.errors import UserError


@dataclass(frozen=True)
class BuildConfig:
    """``seed`` keys every generator, the splits and Symbol-Evol; ``evol_share`` is the share of
    Symbol-Evol samples in train/test; ``workers`` generate tasks in parallel; ``force`` rebuilds."""

    seed: int = option(0, "seed of the collection (generators, splits, Symbol-Evol)")
    evol_share: float = option(0.06, "share of Symbol-Evol samples in train/test")
    workers: int = option(2, "parallel task generators (-1 = every core)")
    force: bool = option(False, "rebuild even if cached")

    def check(self) -> None:
        """Raise :class:`UserError` for a setting outside its domain."""
        if not 0.0 <= self.evol_share <= 1.0:
            raise UserError(f"--evol-share {self.evol_share}: must be a fraction in [0, 1], e.g. 0.06")


#: The defaults, as the library functions' keywords read them.
DEFAULTS = BuildConfig()
