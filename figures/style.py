"""The one look every figure shares: fonts, dpi, grid, layout, and one fixed colour per family.

- :func:`styled` wraps a figure function: it draws inside :data:`RC` (font sizes, dpi, grid)
  and lays the figure out tightly at the end, so every figure reads alike;
- :func:`family_colour` gives each symbol family ONE colour in every figure, taken from
  colorcet's Glasbey palette ``glasbey_bw_minc_20_maxl_70`` (256 colours chosen to be maximally
  distinct from each other and from black and white; ``maxl_70`` drops the pale ones that vanish
  on white). Colour alone is not enough for every colour-blind reader with 17 categories, so
  :func:`family_marker` adds a second, redundant cue (a marker shape per family);
- :func:`ckpt_colour` gives each checkpoint alias one colour (Okabe–Ito, safe for colour-blind
  readers); ``infusion`` and ``ours`` share one (``ours`` = the Infusion run).

The family order comes from the results (``config["family_order"]``, the collection's registry
order that every study records; figures never import the collection): the families in it take the
first palette colours in that order. A family outside the order gets a colour from the rest of
the palette chosen by a stable hash of its name, so it is the same in every figure.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec

import matplotlib as mpl
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

#: Palette colours reserved for the families of a recorded order (the first ``ORDERED``); any
#: other family takes one of the colours after them.
ORDERED = 64


@functools.cache
def palette() -> tuple[str, ...]:
    """256 mutually distinct colours (colorcet's Glasbey ``bw_minc_20_maxl_70``), none too pale on white."""
    import colorcet  # loaded on first use: ``import figures`` stays fast

    return tuple(to_hex(c) for c in colorcet.glasbey_bw_minc_20_maxl_70)


#: Redundant marker shapes, cycled over the families (colour + shape tell 17 families apart).
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "p", "h", "*", "d", "8", "H")

#: Okabe–Ito colours for checkpoints (blue, orange, green, pink, sky, vermillion, yellow, black).
OKABE_ITO: tuple[str, ...] = (
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
)  # fmt: skip
_CKPTS: dict[str, str] = {
    "base": OKABE_ITO[0],
    "injection": OKABE_ITO[1],
    "ours": OKABE_ITO[2],
    "infusion": OKABE_ITO[2],
    "tiny": OKABE_ITO[3],
}

#: Every figure's matplotlib settings (applied while it is drawn, never globally).
RC: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.titlesize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}

P = ParamSpec("P")


def _stable_index(name: str, modulo: int) -> int:
    """A number in ``[0, modulo)`` from ``name``, the same in every process (unlike ``hash``)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % modulo


def _position(name: str, order: Sequence[str]) -> int | None:
    order = list(order)
    return order.index(name) if name in order and order.index(name) < ORDERED else None


def family_colour(name: str, order: Sequence[str] = ()) -> str:
    """The one colour (``#rrggbb``) of family ``name`` in every figure drawn with ``order``.

    The families in ``order`` (a result's ``config["family_order"]``, see
    :func:`figures.common.family_order`) take the first palette colours in that order; any other
    name takes one of the colours after :data:`ORDERED`, chosen by a stable hash of the name.
    """
    at = _position(name, order)
    if at is not None:
        return palette()[at]
    rest = palette()[ORDERED:]
    return rest[_stable_index(name, len(rest))]


def family_marker(name: str, order: Sequence[str] = ()) -> str:
    """The marker shape of family ``name`` (a second cue beside its colour)."""
    at = _position(name, order)
    return MARKERS[(at if at is not None else _stable_index(name, len(MARKERS))) % len(MARKERS)]


def ckpt_colour(alias: str) -> str:
    """The one colour of checkpoint ``alias``; unknown aliases (paths, hub ids) by stable hash."""
    if alias in _CKPTS:
        return _CKPTS[alias]
    rest = OKABE_ITO[4:]
    return rest[_stable_index(alias, len(rest))]


@contextmanager
def context() -> Iterator[None]:
    """Draw inside the shared settings (:data:`RC`); the global rcParams are untouched after."""
    with mpl.rc_context(RC):
        yield


def styled(fn: Callable[P, Figure]) -> Callable[P, Figure]:
    """Decorate a figure function: draw it inside :func:`context`, then lay the figure out tightly."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with context():
            fig = fn(*args, **kwargs)
            if not fig.get_constrained_layout():
                fig.tight_layout()
        return fig

    return wrapper
