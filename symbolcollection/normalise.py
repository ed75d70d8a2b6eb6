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


def no_space(text: str) -> str:
    """All whitespace removed."""
    return _WS.sub("", text)
