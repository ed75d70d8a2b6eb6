"""Exact-match normalisers the families use (:attr:`symbolcollection.family.Family.exact`); the same
rule is applied to prediction and gold."""

from __future__ import annotations

import json
import re

from symbolcollection.family import collapse

_WS = re.compile(r"\s+")


def json_sorted(text: str) -> str:
    """JSON re-serialised with sorted keys; else the text collapsed."""
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):
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
