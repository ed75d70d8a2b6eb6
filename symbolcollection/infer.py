"""Family inference for released rows (which carry only ``instruction``, ``input``, ``output``):
ordered rules on the output's shape and the instruction's wording, or an explicit mapping file."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from symbolscope.errors import UserError
from symbolscope.reading import read_json


def _rules() -> list[tuple[str, str, str | Callable[[str], bool]]]:
    """``(family, field, pattern)`` of every family's rules: all output rules, then all instruction
    rules, each in rank order (ties: registry order)."""
    from symbolcollection import registry

    ranked = [
        (r.field == "instruction", r.rank, i, f.name, r.field, r.pattern)
        for i, f in enumerate(registry.families())
        for r in f.infer
    ]
    return [(name, field, pattern) for *_, name, field, pattern in sorted(ranked, key=lambda x: x[:3])]


def _matches(pattern: str | Callable[[str], bool], text: str) -> bool:
    return pattern(text) if callable(pattern) else re.search(pattern, text) is not None


def infer_family(instruction: str, output: str) -> str | None:
    """The family that the rules assign to a row (:attr:`Family.infer
    <symbolcollection.family.Family.infer>`), or ``None`` if no rule fits."""
    for family, field, pattern in _rules():
        if _matches(pattern, output if field == "output" else instruction):
            return family
    return None


@dataclass(frozen=True)
class MappingRule:
    """Rows whose instruction matches ``pattern`` get ``family`` (and ``task`` if given)."""

    pattern: re.Pattern[str]
    family: str
    task: str | None


def load_mapping(path: str | Path) -> list[MappingRule]:
    """Read a mapping file: a JSON object ``{"<regex on instruction>": "<family>"}`` or
    ``{"rules": [{"pattern": ..., "family": ..., "task": ...}, ...]}``; rules apply in order."""
    from symbolcollection import registry

    p = Path(path)
    data = read_json(p, "mapping file", 16 << 20)
    if not isinstance(data, dict):
        raise UserError(f"{p}: the mapping file must be a JSON object")
    items = (
        data["rules"]
        if isinstance(data.get("rules"), list)
        else [{"pattern": k, "family": v} for k, v in data.items()]
    )
    rules = []
    for i, item in enumerate(items):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("family"), str)
            or not isinstance(item.get("pattern"), str)
        ):
            raise UserError(f"{p}: rule {i + 1} needs string 'pattern' and 'family'")
        if registry.find(item["family"]) is None:
            raise UserError(
                f"{p}: rule {i + 1} ('{item['pattern']}') names unknown family '{item['family']}'; "
                f"known: {', '.join(registry.names())}"
            )
        try:
            pattern = re.compile(item["pattern"])
        except re.error as err:
            raise UserError(f"{p}: rule {i + 1} has an invalid regex '{item['pattern']}' ({err})") from None
        rules.append(MappingRule(pattern, item["family"], item.get("task")))
    return rules


def apply_mapping(rules: list[MappingRule], instruction: str) -> tuple[str, str | None] | None:
    """``(family, task)`` of the first rule matching ``instruction``, else ``None``."""
    for r in rules:
        if r.pattern.search(instruction):
            return r.family, r.task
    return None
