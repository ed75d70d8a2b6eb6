"""The result of a study, and its files: ``results/<analysis>/<run-id>.json`` plus a flat ``.csv``.

Every study returns a :class:`Result`; ``result.save("results/")`` writes both files atomically.
The JSON holds ``analysis``, ``run_id``, ``created``, the full ``config`` that produced it
(arguments, seeds, code version) and a list of ``rows`` (flat objects); figures read only these
files. ``Result.load(path)`` and ``Result.latest(out, analysis)`` read them back. A result with
per-item records (``items``: what each scored item was, the prediction and the gold) also writes
``<run-id>.items.jsonl``, one JSON object per line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from symbolscope.errors import UserError
from symbolscope.io import atomic_write_json, atomic_write_text, check_replaceable
from symbolscope.paths import RESULTS
from symbolscope.reading import read_json
from symbolscope.version import code_version

#: The keys every results file has.
RESULT_KEYS = ("analysis", "run_id", "created", "config", "rows")
_MAX_BYTES = 512 << 20  # a results file larger than this is not one of ours
#: Old analysis names (results folder and ``analysis`` field) -> new, read for one version.
RENAMED = {"eval": "evaluate"}
_NOTED: set[Path] = set()


def _has_results(folder: Path) -> bool:
    return folder.is_dir() and any(not p.name.startswith(".") for p in folder.glob("*.json"))


def results_folder(out: str | os.PathLike[str], analysis: str) -> Path:
    """``<out>/<analysis>``; or, when only the folder under the analysis's old name
    (:data:`RENAMED`) holds results, that folder, with a one-line note on stderr (once)."""
    folder = Path(out) / analysis
    for old, new in RENAMED.items():
        legacy = Path(out) / old
        if new == analysis and not _has_results(folder) and _has_results(legacy):
            if legacy not in _NOTED:
                _NOTED.add(legacy)
                print(
                    f"note: reading {legacy}/ (the old name of {folder}/; rename it to {analysis}/)",
                    file=sys.stderr,
                )
            return legacy
    return folder


def run_id(config: dict[str, Any]) -> str:
    """``<UTC timestamp>-<8 hex of the config>``: sortable and tied to what produced it."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    digest = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{stamp}-{digest}"


def _flat(value: Any) -> Any:
    if isinstance(value, list | tuple | dict):
        return json.dumps(value)
    return "" if value is None else value


@dataclass
class Result:
    """What a study returns: the ``config`` that produced it and its flat ``rows``.

    ``columns`` orders the CSV's first columns (the rest follow sorted); ``items`` are per-item
    records written to ``<run-id>.items.jsonl`` by :meth:`save` (not kept in the JSON); ``path``
    is set once the result has been saved or loaded.
    """

    analysis: str
    config: dict[str, Any]
    rows: list[dict[str, Any]]
    columns: Sequence[str] = ()
    run_id: str = ""
    created: str = ""
    path: Path | None = field(default=None, compare=False)
    items: list[dict[str, Any]] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.config = {**self.config}
        self.config.setdefault("code_version", code_version())
        if not self.run_id:
            self.run_id = run_id(self.config)
        if not self.created:
            self.created = datetime.now(UTC).isoformat(timespec="seconds")

    def to_dict(self) -> dict[str, Any]:
        """The JSON payload (the results-file schema)."""
        return {
            "analysis": self.analysis,
            "run_id": self.run_id,
            "created": self.created,
            "config": self.config,
            "rows": self.rows,
        }

    def to_csv(self) -> str:
        """The rows as CSV text (lists and objects as JSON, None as an empty cell)."""
        keys = list(self.columns) + sorted({k for r in self.rows for k in r} - set(self.columns))
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=keys, extrasaction="ignore")
        writer.writeheader()
        for r in self.rows:
            writer.writerow({k: _flat(r.get(k)) for k in keys})
        return buf.getvalue()

    def save(self, out: str | os.PathLike[str] = RESULTS) -> tuple[Path, Path]:
        """Write ``<out>/<analysis>/<run-id>.json`` and ``.csv`` (and ``.items.jsonl`` when there
        are items) atomically; return the JSON and CSV paths.

        All are owned writes (:mod:`symbolscope.io`): a file the suite did not write is never
        replaced, and ``<out>/<analysis>`` must be a real folder, not a symlink.
        """
        folder = Path(out) / self.analysis
        exts = ("json", "csv", "items.jsonl") if self.items else ("json", "csv")
        for ext in exts:  # all refused before any is written
            check_replaceable(folder / f"{self.run_id}.{ext}")
        if self.items:
            lines = "".join(json.dumps(r, sort_keys=True, default=str) + "\n" for r in self.items)
            atomic_write_text(folder / f"{self.run_id}.items.jsonl", lines, owned=True)
        json_path = atomic_write_json(folder / f"{self.run_id}.json", self.to_dict(), owned=True)
        csv_path = atomic_write_text(folder / f"{self.run_id}.csv", self.to_csv(), owned=True)
        self.path = json_path
        return json_path, csv_path

    def to_frame(self) -> Any:
        """The rows as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise UserError("Result.to_frame needs pandas: pip install pandas") from None
        return pd.DataFrame(self.rows)

    def where(self, **match: Any) -> list[dict[str, Any]]:
        """The rows whose values equal every ``key=value`` given."""
        return [r for r in self.rows if all(r.get(k) == v for k, v in match.items())]

    @classmethod
    def load(cls, path: str | os.PathLike[str], require: Sequence[str] = ()) -> Result:
        """Read a results file; every row must be an object holding the keys in ``require``.

        Raises :class:`UserError` naming the file (and the row) when it is not a results file.
        """
        path = Path(path)
        data = read_json(path, "results file", _MAX_BYTES)
        return cls.from_dict(data, str(path), require)

    @classmethod
    def from_dict(cls, data: Any, where: str = "result", require: Sequence[str] = ()) -> Result:
        """Check a results payload (see :meth:`load`) and wrap it."""
        if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
            raise UserError(
                f"{where}: not a symbolscope results file (needs an object with 'config' and 'rows')"
            )
        rows = data.get("rows")
        if not isinstance(rows, list):
            raise UserError(f"{where}: 'rows' must be a list of objects")
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise UserError(f"{where}: row {i} is not an object")
            missing = [k for k in require if k not in row]
            if missing:
                raise UserError(f"{where}: row {i} lacks {', '.join(missing)}")
        analysis = str(data.get("analysis", ""))
        res = cls(
            analysis=RENAMED.get(analysis, analysis),
            config=data["config"],
            rows=rows,
            run_id=str(data.get("run_id", "")),
            created=str(data.get("created", "")),
        )
        res.path = Path(where) if where != "result" else None
        return res

    @classmethod
    def latest(cls, out: str | os.PathLike[str], analysis: str, require: Sequence[str] = ()) -> Result:
        """The newest ``<out>/<analysis>/<run-id>.json`` (run ids sort by time; an old folder name
        is read with a note, see :func:`results_folder`)."""
        folder = results_folder(out, analysis)
        files = (
            sorted(p for p in folder.glob("*.json") if not p.name.startswith(".")) if folder.is_dir() else []
        )
        if not files:
            raise UserError(f"no result files in {folder}/; run the '{analysis}' study first")
        return cls.load(files[-1], require)

    @classmethod
    def latest_each(cls, out: str | os.PathLike[str], analysis: str, key: str) -> Result:
        """The newest result of ``<out>/<analysis>/`` for each value of ``config[key]``, merged
        into one (rows concatenated, oldest value first; ``config["merged"]`` maps each value to
        its file), e.g. one result per pairing of the symbol study."""
        folder = results_folder(out, analysis)
        newest: dict[str, Result] = {}
        for path in sorted(p for p in folder.glob("*.json") if not p.name.startswith(".")):
            res = cls.load(path)
            newest[str(res.config.get(key))] = res
        if not newest:
            raise UserError(f"no result files in {folder}/; run the '{analysis}' study first")
        parts = sorted(newest.values(), key=lambda r: r.run_id)
        merged = {value: str(res.path) for value, res in newest.items()}
        rows = [row for res in parts for row in res.rows]
        out_res = cls(analysis, {key: list(newest), "merged": merged}, rows, parts[-1].columns)
        out_res.path = folder
        return out_res
