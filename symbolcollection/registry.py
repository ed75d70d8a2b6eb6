"""The one list of symbol families (its order is the colour order of the figures).

Adding a family: write ``families/<name>.py`` (or a package ``families/<name>/``) with a
``FAMILY`` object and add it to :data:`_BUILTIN` below; nothing else in the suite names a family
(``docs/adding-a-family.md``). A family can also be added
at run time with :func:`register` (a test's throwaway family, a user's own formalism).
"""

from __future__ import annotations

from collections.abc import Callable

from symbolcollection.families import (
    amr,
    api_call,
    asp,
    bash,
    cron,
    fol,
    json,
    lambda_,
    latex,
    ltl,
    math,
    pddl,
    python,
    regex,
    smiles,
    smtlib,
    sparql,
    sql,
    xpath,
)
from symbolcollection.family import CheckFailed, Family, Task
from symbolcollection.schema import Sample
from symbolscope.errors import UserError

_BUILTIN: tuple[Family, ...] = (
    sql.FAMILY,
    fol.FAMILY,
    pddl.FAMILY,
    smiles.FAMILY,
    regex.FAMILY,
    python.FAMILY,
    bash.FAMILY,
    sparql.FAMILY,
    lambda_.FAMILY,
    ltl.FAMILY,
    amr.FAMILY,
    api_call.FAMILY,
    math.FAMILY,
    latex.FAMILY,
    json.FAMILY,
    cron.FAMILY,
    xpath.FAMILY,
    smtlib.FAMILY,
    asp.FAMILY,
)
_FAMILIES: dict[str, Family] = {f.name: f for f in _BUILTIN}


def families() -> tuple[Family, ...]:
    """Every family, in the registry's order."""
    return tuple(_FAMILIES.values())


def names() -> tuple[str, ...]:
    """Every family name, in the registry's order (the colour order)."""
    return tuple(_FAMILIES)


def added() -> tuple[Family, ...]:
    """The families added at run time with :func:`register` (not in the suite's code), in order."""
    builtin = {f.name for f in _BUILTIN}
    return tuple(f for f in _FAMILIES.values() if f.name not in builtin)


def get(name: str) -> Family:
    """The family called ``name``; a :class:`UserError` listing the known names if none is."""
    try:
        return _FAMILIES[name]
    except KeyError:
        raise UserError(f"unknown family '{name}'; known families: {', '.join(_FAMILIES)}") from None


def find(name: str) -> Family | None:
    """The family called ``name``, or ``None`` (for rows whose family may be anything, e.g. ``nl``)."""
    return _FAMILIES.get(name)


def kind_files() -> dict[str, str]:
    """``{family name: file}`` of every family that brings sandbox job kinds, in registry order."""
    return {f.name: f.kinds for f in _FAMILIES.values() if f.kinds is not None}


def tasks() -> list[tuple[Family, Task]]:
    """Every ``(family, task)`` pair, sorted by task name."""
    pairs = [(f, t) for f in _FAMILIES.values() for t in f.tasks]
    return sorted(pairs, key=lambda p: p[1].name)


def check_sample(sample: Sample) -> None:
    """Check ``sample`` with its family's checker; raise :class:`CheckFailed` if rejected (one line)."""
    family = _FAMILIES.get(sample.family)
    if family is None:
        if not sample.output.strip():
            raise CheckFailed("empty output")
        raise CheckFailed(f"no checker for family '{sample.family}'")
    family.check_sample(sample)


def reason(sample: Sample) -> str | None:
    """``None`` if ``sample`` passes its family's checker, else the one-line reason it fails."""
    try:
        check_sample(sample)
    except CheckFailed as err:
        return str(err)
    return None


def register(family: Family) -> Callable[[], None]:
    """Add ``family`` after the others; return a function that removes it again.

    Raises :class:`UserError` if a family of that name or a task of one of its task names exists.
    """
    if family.name in _FAMILIES:
        raise UserError(f"symbol family '{family.name}' is already registered")
    taken = {t.name for _, t in tasks()}
    clash = sorted(taken & {t.name for t in family.tasks})
    if clash:
        raise UserError(f"family '{family.name}': task name(s) {', '.join(clash)} already exist")
    _FAMILIES[family.name] = family

    def unregister() -> None:
        if _FAMILIES.get(family.name) is family:
            del _FAMILIES[family.name]

    return unregister
