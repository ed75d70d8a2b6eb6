"""Exact-match normalisers the families use (:attr:`symbolcollection.family.Family.exact`); the same
rule is applied to prediction and gold."""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")


def no_space(text: str) -> str:
    """All whitespace removed."""
    return _WS.sub("", text)
