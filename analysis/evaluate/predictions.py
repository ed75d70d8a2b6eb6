"""Generations made elsewhere: a JSONL file of ``{"id", "prediction"}`` lines (e.g. written by
vLLM on a GPU cluster), scored without loading a model."""

from __future__ import annotations

import json
from pathlib import Path

from symbolscope.errors import UserError
from symbolscope.io import sha256_file

MAX_BYTES = 256 << 20


def read_predictions(path: str | Path) -> dict[str, str]:
    """``{id: prediction}`` from ``path``; a malformed line or a duplicate id is a
    :class:`UserError` naming the file and line. Blank lines are skipped."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"--predictions: {path} does not exist or is not a file")
    if path.stat().st_size > MAX_BYTES:
        raise UserError(f"--predictions: {path} is larger than {MAX_BYTES >> 20} MB")
    out: dict[str, str] = {}
    first_line: dict[str, int] = {}
    with path.open(encoding="utf-8", errors="strict") as fh:
        try:
            lines = list(fh)
        except UnicodeDecodeError as err:
            raise UserError(f"{path}: not UTF-8 text ({err.reason})") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):
            raise UserError(
                f'{path}:{n}: not a JSON object line ({{"id": ..., "prediction": ...}})'
            ) from None
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise UserError(f'{path}:{n}: each line needs a string "id" and a string "prediction"')
        if not isinstance(row.get("prediction"), str):
            raise UserError(f'{path}:{n}: "prediction" of id {row["id"]!r} is missing or not a string')
        if row["id"] in out:
            raise UserError(f"{path}:{n}: duplicate id {row['id']!r} (first on line {first_line[row['id']]})")
        out[row["id"]] = row["prediction"]
        first_line[row["id"]] = n
    return out


def fingerprint(path: str | Path) -> str:
    """The content fingerprint of a predictions file."""
    return "predictions-" + sha256_file(Path(path))[:16]
