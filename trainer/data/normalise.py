"""Exact match after normalisation, per family (the same rule for prediction and gold)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

_WS = re.compile(r"\s+")


def _collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _sql(text: str) -> str:
    import sqlglot

    try:
        trees = sqlglot.parse(text, read="sqlite")
        if len(trees) == 1 and trees[0] is not None:
            return trees[0].sql(dialect="sqlite", normalize=True)
    except Exception:  # a parser's own error: fall back to the text
        pass
    return _collapse(text).rstrip(";").strip().lower()


def _json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):
        return _collapse(text)


def _fol(text: str) -> object:
    from nltk.sem.logic import Expression

    try:
        return Expression.fromstring(text)  # nltk's == is alpha-equivalence
    except Exception:  # nltk raises several error types on malformed input
        return _collapse(text)


def _pddl(text: str) -> str:
    body = _collapse(text.lower())
    if body.startswith("(and ") and body.endswith(")"):
        body = body[5:-1]
    atoms = re.findall(r"\(not \([^()]*\)\)|\([^()]*\)", body)
    rebuilt = " ".join(atoms)
    return " ".join(sorted(atoms)) if rebuilt == body.strip() else body


def _no_space(text: str) -> str:
    return _WS.sub("", text)


#: family -> (normaliser, what it does, stated in the result rows)
RULES: dict[str, tuple[Callable[[str], object], str]] = {
    "sql": (_sql, "sqlglot SQLite rendering (keywords, spacing, quotes normalised)"),
    "json": (_json, "JSON parsed and re-serialised with sorted keys"),
    "api_call": (_json, "JSON parsed and re-serialised with sorted keys"),
    "fol": (_fol, "nltk logic parse; formulas equal up to renaming bound variables"),
    "pddl": (_pddl, "lower-cased, conjuncts of a flat conjunction sorted"),
    "latex": (_no_space, "all whitespace removed"),
    "ltl": (_no_space, "all whitespace removed"),
    "regex": (str.strip, "stripped"),
    "smiles": (str.strip, "stripped"),
    "xpath": (_no_space, "all whitespace removed"),
}
DEFAULT: tuple[Callable[[str], object], str] = (_collapse, "whitespace runs collapsed, stripped")


def normalise(family: str, text: str) -> object:
    """``text`` normalised by ``family``'s rule (a string, or a parsed formula for ``fol``)."""
    return RULES.get(family, DEFAULT)[0](text)


def rule(family: str) -> str:
    """What the exact-match normalisation of ``family`` does."""
    return RULES.get(family, DEFAULT)[1]


def exact(family: str, prediction: str, gold: str) -> bool:
    """Exact match after ``family``'s normalisation."""
    return normalise(family, prediction) == normalise(family, gold)
