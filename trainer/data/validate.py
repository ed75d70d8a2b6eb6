"""``validate PATH``: run every family's checker on a file in the released schema and report each
bad row as ``file:line: reason``."""

from __future__ import annotations

from pathlib import Path

from trainer.data.checkers.sandbox import CHECK_TIMEOUT_S, TimedChecker
from trainer.data.infer import load_mapping
from trainer.data.loaders import iter_records, released_row


def validate_file(
    path: str | Path, mapping: str | Path | None = None, timeout: float | None = None
) -> tuple[int, list[tuple[int, str]]]:
    """``(rows, problems)`` for ``path``: every row that is not JSON, misses ``output``, has an
    empty output, names or maps to an unknown family, cannot be placed, or fails its checker.

    Checkers run in a worker with a per-row time limit (:class:`TimedChecker`): a row whose
    check runs longer than ``timeout`` seconds or crashes the parser is a problem with that reason."""
    from tqdm import tqdm

    rules = load_mapping(mapping) if mapping else []
    rows = 0
    problems: list[tuple[int, str]] = []
    with TimedChecker(timeout or CHECK_TIMEOUT_S) as checker:
        for line, rec, err in tqdm(iter_records(path), desc="validate", unit="row", disable=None):
            rows += 1
            why = err or _row_problem(line, rec, path, rules, checker)
            if why:
                problems.append((line, why))
    return rows, problems


def _row_problem(line: int, rec: object, path: str | Path, rules: list, checker: TimedChecker) -> str | None:
    """Why the record on ``line`` is invalid, or None."""
    sample, why = released_row(line, rec, Path(str(path)).name, rules)
    if sample is None:
        return why or "invalid"
    bad = checker.reason(sample)
    return f"{sample.family} checker rejects the output: {bad}" if bad else None


def report(path: str | Path, rows: int, problems: list[tuple[int, str]]) -> str:
    """The text report: one ``file:line: reason`` per problem, then a count line."""
    lines = [f"{path}:{line}: {why}" for line, why in problems]
    lines.append(f"{path}: {rows} rows, {rows - len(problems)} valid, {len(problems)} invalid")
    return "\n".join(lines)
