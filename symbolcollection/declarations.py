"""The declaration lines of a request's input (``Predicates: Loves(x, y)``, ``Constants: ann``,
``Propositions``, ``Classes``, ``Properties``): the symbols a sample defines, which its family's
checker validates against and its Symbol-Evol renamer renames."""

from __future__ import annotations

import re

_DECL = re.compile(r"^(Predicates|Constants|Propositions|Classes|Properties):\s*(.*)$", re.M)


def declarations(text: str) -> dict[str, list[str]]:
    """Parse ``Predicates: P(x), R(x, y)``-style declaration lines in ``text`` into lists of items."""
    out: dict[str, list[str]] = {}
    for kind, rest in _DECL.findall(text):
        items = [i.strip() for i in re.split(r",\s*(?![^()]*\))", rest) if i.strip()]
        out.setdefault(kind, []).extend(items)
    return out


def declared_predicates(text: str) -> dict[str, int]:
    """``{name: arity}`` from a ``Predicates:`` line (``Loves(x, y)`` has arity 2)."""
    preds: dict[str, int] = {}
    for item in declarations(text).get("Predicates", []):
        m = re.fullmatch(r"([A-Za-z_][\w:]*)\s*\(([^)]*)\)", item)
        if m:
            preds[m.group(1)] = len([a for a in m.group(2).split(",") if a.strip()])
    return preds
