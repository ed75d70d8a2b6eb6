"""Family inference for released rows (which carry only ``instruction``, ``input``, ``output``):
ordered rules on the output's shape and the instruction's wording, or an explicit mapping file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from symbolcollection.schema import FAMILIES
from symbolscope.errors import UserError
from symbolscope.reading import read_json


def _json_kind(output: str) -> str | None:
    text = output.strip()
    if not text.startswith(("{", "[")):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    first = value[0] if isinstance(value, list) and value else value
    if isinstance(first, dict) and ({"name", "arguments"} <= set(first) or "api_name" in first):
        return "api_call"
    return "json"


_MATH_NAMES = frozenset({"sqrt", "sin", "cos", "tan", "exp", "log", "abs", "pi", "Abs", "Rational"})


def _looks_arithmetic(output: str) -> bool:
    """An operator-bearing expression whose letter runs are variables or elementary functions."""
    text = output.strip()
    if not re.fullmatch(r"[\w\s+\-*/().^=,]+", text) or not re.search(r"[\d+*/^]", text):
        return False
    words = re.findall(r"[A-Za-z_]+", text)
    return all(w in _MATH_NAMES or (len(w) <= 2 and w.islower()) for w in words)


_RULES: tuple[tuple[str, str, str], ...] = (
    # (family, where: "out"|"ins", regex): output rules first, then arithmetic, then instruction rules
    ("sparql", "out", r"(?is)^\s*(PREFIX\s.*)?(SELECT|ASK|CONSTRUCT|DESCRIBE)\b[^{]*\{"),
    ("sql", "out", r"(?is)^\s*(SELECT|WITH)\b.*\bFROM\b"),
    ("pddl", "out", r"(?is)^\s*\((define|:goal|:action|:init)\b"),
    ("lambda", "out", r"\(lambda \$\d|\([a-z_]+:[a-z]\s"),
    ("amr", "out", r"^\s*\(\s*[a-z]\d*\s+/\s+[a-z][\w-]*(\s|\))"),
    ("fol", "out", r"[∀∃]|\b(all|exists) [a-z]\d*\s*\."),
    ("cron", "out", r"^\s*([\d*/,\-]+\s+){4}[\d*/,\-]+\s*$"),
    (
        "latex",
        "out",
        r"\\(frac|int|sum|sqrt|begin|lim|prod|binom|left|log|sin|cos|tan|cdot|alpha|beta|theta|pi)(?![A-Za-z])|\^\{",
    ),
    ("math", "out", r"^\s*def solution\(\):"),
    ("python", "out", r"(?m)^\s*(def|class|import|from)\s+\w+"),
    ("xpath", "out", r"^\s*/{1,2}[A-Za-z*@]"),
    ("ltl", "out", r"^(?=.*(\b[GFX]\b|\bU\b))[a-z0-9_\s!&|()GFXURW\->]+$"),
    ("ltl", "ins", r"(?i)\b(LTL|linear temporal logic)\b"),
    ("smiles", "ins", r"(?i)\b(SMILES|molecule|compound)\b"),
    ("regex", "ins", r"(?i)\b(regular expression|regex)\b"),
    ("bash", "ins", r"(?i)\b(bash|shell|command line|terminal)\b"),
    ("fol", "ins", r"(?i)\b(first-order logic|FOL)\b"),
    ("pddl", "ins", r"(?i)\bPDDL\b"),
    ("sql", "ins", r"(?i)\bSQL\b"),
    ("python", "ins", r"(?i)\bpython\b"),
    ("math", "ins", r"(?i)\b(equation|arithmetic|math|calculate|compute)\b"),
)


def infer_family(instruction: str, output: str) -> str | None:
    """The family that the rules assign to a row, or ``None`` if no rule fits."""
    kind = _json_kind(output)
    if kind:
        return kind
    for family, where, pattern in _RULES:
        if where == "out" and re.search(pattern, output):
            return family
    if _looks_arithmetic(output):
        return "math"
    for family, where, pattern in _RULES:
        if where == "ins" and re.search(pattern, instruction):
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
        if item["family"] not in FAMILIES:
            raise UserError(
                f"{p}: rule {i + 1} ('{item['pattern']}') names unknown family '{item['family']}'; known: {', '.join(FAMILIES)}"
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
