"""``validate PATH``: run every family's checker on a file in the released schema and report each
bad row as ``file:line: reason``."""

from __future__ import annotations

from pathlib import Path

from symbolcollection.infer import load_mapping
from symbolcollection.loaders import iter_records, released_row
from symbolcollection.schema import Sample
from symbolcollection.worker import CHECK_TIMEOUT_S, TimedChecker

#: Rows sent to the checker worker at a time.
BATCH_ROWS = 256


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
    pending: list[tuple[int, Sample]] = []
    with TimedChecker(timeout or CHECK_TIMEOUT_S) as checker:
        for line, rec, err in tqdm(iter_records(path), desc="validate", unit="row", disable=None):
            rows += 1
            sample, why = (None, err) if err else released_row(line, rec, Path(str(path)).name, rules)
            if sample is None:
                problems.append((line, why or "invalid"))
                continue
            pending.append((line, sample))
            if len(pending) == BATCH_ROWS:
                problems += _check(checker, pending)
                pending = []
        problems += _check(checker, pending)
    return rows, sorted(problems)


def _check(checker: TimedChecker, pending: list[tuple[int, Sample]]) -> list[tuple[int, str]]:
    """The problems among ``(line, sample)`` pairs found by the time-limited checkers."""
    found = checker.reasons([s for _, s in pending])
    return [
        (line, f"{s.family} checker rejects the output: {bad}")
        for (line, s), bad in zip(pending, found, strict=True)
        if bad
    ]


def report(path: str | Path, rows: int, problems: list[tuple[int, str]]) -> str:
    """The text report: one ``file:line: reason`` per problem, then a count line."""
    lines = [f"{path}:{line}: {why}" for line, why in problems]
    lines.append(f"{path}: {rows} rows, {rows - len(problems)} valid, {len(problems)} invalid")
    return "\n".join(lines)
