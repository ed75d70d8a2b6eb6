"""Exact-match normalisers the families use (:attr:`symbolcollection.family.Family.exact`); the same
rule is applied to prediction and gold."""

from __future__ import annotations

import re

from symbolcollection.family import collapse

_WS = re.compile(r"\s+")


def sql_rendering(text: str) -> str:
    """sqlglot's SQLite rendering (keywords, spacing, quotes normalised); else the text collapsed,
    without a final ``;``, lower-cased."""
    import sqlglot

    try:
        trees = sqlglot.parse(text, read="sqlite")
        if len(trees) == 1 and trees[0] is not None:
            return trees[0].sql(dialect="sqlite", normalize=True)
    except Exception:  # a parser's own error: fall back to the text
        pass
    return collapse(text).rstrip(";").strip().lower()


def fol_formula(text: str) -> object:
    """The nltk formula (its ``==`` is alpha-equivalence); else the text collapsed."""
    from nltk.sem.logic import Expression

    try:
        return Expression.fromstring(text)
    except Exception:  # nltk raises several error types on malformed input
        return collapse(text)


def pddl_atoms(text: str) -> str:
    """Lower-cased and collapsed; the conjuncts of a flat conjunction sorted."""
    body = collapse(text.lower())
    if body.startswith("(and ") and body.endswith(")"):
        body = body[5:-1]
    atoms = re.findall(r"\(not \([^()]*\)\)|\([^()]*\)", body)
    rebuilt = " ".join(atoms)
    return " ".join(sorted(atoms)) if rebuilt == body.strip() else body


def no_space(text: str) -> str:
    """All whitespace removed."""
    return _WS.sub("", text)
