"""``validate PATH``: run every family's checker on a file in the released schema and report each
bad row as ``file:line: reason``."""

from __future__ import annotations

from pathlib import Path

from trainer.data.checkers import reason
from trainer.data.infer import load_mapping
from trainer.data.loaders import iter_records, released_row


def validate_file(path: str | Path, mapping: str | Path | None = None) -> tuple[int, list[tuple[int, str]]]:
    """``(rows, problems)`` for ``path``: every row that is not JSON, misses ``output``, has an
    empty output, names or maps to an unknown family, cannot be placed, or fails its checker."""
    from tqdm import tqdm

    rules = load_mapping(mapping) if mapping else []
    rows = 0
    problems: list[tuple[int, str]] = []
    for line, rec, err in tqdm(iter_records(path), desc="validate", unit="row", disable=None):
        rows += 1
        if err:
            problems.append((line, err))
            continue
        sample, why = released_row(line, rec, Path(str(path)).name, rules)
        if sample is None:
            problems.append((line, why or "invalid"))
            continue
        bad = reason(sample)
        if bad:
            problems.append((line, f"{sample.family} checker rejects the output: {bad}"))
    return rows, problems


def report(path: str | Path, rows: int, problems: list[tuple[int, str]]) -> str:
    """The text report: one ``file:line: reason`` per problem, then a count line."""
    lines = [f"{path}:{line}: {why}" for line, why in problems]
    lines.append(f"{path}: {rows} rows, {rows - len(problems)} valid, {len(problems)} invalid")
    return "\n".join(lines)
