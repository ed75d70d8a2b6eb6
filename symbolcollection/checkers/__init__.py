"""One checker per symbol family: a real parser or executor that accepts or rejects an output.

A checker takes a :class:`~symbolcollection.schema.Sample` (it may read definitions from
``instruction``/``input``: a schema, predicates, tool signatures, examples) and raises
:class:`CheckFailed` with a one-line reason when the output is not valid for its family.
Submodules are imported on first use so that ``import symbolcollection`` stays cheap.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

from symbolcollection.schema import Sample

#: Terminal colour/underline codes (sqlglot marks the error position with them).
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class CheckFailed(Exception):
    """The output is not valid for its family; the message says why (one line)."""


Checker = Callable[[Sample], None]

#: family -> (module under symbolcollection.checkers, function name)
_REGISTRY: dict[str, tuple[str, str]] = {
    "python": ("code", "check_python"),
    "bash": ("code", "check_bash"),
    "sql": ("code", "check_sql"),
    "regex": ("code", "check_regex"),
    "fol": ("logic", "check_fol"),
    "lambda": ("logic", "check_lambda"),
    "ltl": ("logic", "check_ltl"),
    "amr": ("logic", "check_amr"),
    "sparql": ("logic", "check_sparql"),
    "pddl": ("pddl_check", "check_pddl"),
    "smiles": ("structured", "check_smiles"),
    "math": ("structured", "check_math"),
    "latex": ("structured", "check_latex"),
    "json": ("structured", "check_json"),
    "api_call": ("structured", "check_api_call"),
    "cron": ("structured", "check_cron"),
    "xpath": ("structured", "check_xpath"),
}


def has_checker(family: str) -> bool:
    """Whether ``family`` has a checker."""
    return family in _REGISTRY


def checker_for(family: str) -> Checker:
    """Return the checker function of ``family`` (KeyError if it has none)."""
    module, name = _REGISTRY[family]
    return getattr(importlib.import_module(f"symbolcollection.checkers.{module}"), name)


def check_sample(sample: Sample) -> None:
    """Check ``sample`` with its family's checker; raise :class:`CheckFailed` if rejected."""
    if not sample.output.strip():
        raise CheckFailed("empty output")
    if sample.family not in _REGISTRY:
        raise CheckFailed(f"no checker for family '{sample.family}'")
    try:
        checker_for(sample.family)(sample)
    except CheckFailed:
        raise
    except RecursionError:
        raise CheckFailed(f"{sample.family}: output nests too deeply") from None
    except Exception as err:  # a parser's own error type: report it as a rejection, one line
        msg = " ".join(_ANSI.sub("", str(err)).split())[:200]
        raise CheckFailed(f"{sample.family}: {type(err).__name__}: {msg}") from None


def reason(sample: Sample) -> str | None:
    """``None`` if ``sample`` passes its checker, else the one-line reason it fails."""
    try:
        check_sample(sample)
    except CheckFailed as err:
        return str(err)
    return None


def families_with_checkers() -> tuple[str, ...]:
    """Every family that has a checker, sorted."""
    return tuple(sorted(_REGISTRY))
