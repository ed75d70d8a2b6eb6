"""Result files: ``results/<analysis>/<run-id>.json`` plus a flat ``.csv``, written atomically.

Every file holds the full ``config`` that produced it (arguments, seeds, code version) and a
list of ``rows``; figures read only these files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis import layers
from analysis.layers import LayerKey, sort_layers
from trainer.data.atomic import atomic_write_json, atomic_write_text
from trainer.data.errors import UserError
from trainer.data.version import code_version


def parse_layers(spec: str, available: Sequence[LayerKey]) -> list[LayerKey]:
    """Resolve ``last | all | "0,10,-1,final_norm"`` against a store's layers.

    Numbering as in :mod:`analysis.layers` (0 = embeddings, ``L`` = last block, negatives count
    from the end); ``last`` means ``L``. The result holds resolved keys exactly as stored (never
    ``"last"``). Raises :class:`UserError` naming the valid range or the stored layers.
    """
    ints = sorted(x for x in available if isinstance(x, int))
    if not ints:
        raise UserError("the store holds no integer layers")
    text = spec.strip()
    if text == "last":
        return [ints[-1]]
    if text == "all":
        return sort_layers(available)
    keys = layers.parse_layers(text, ints[-1], where=" (--layers)")
    missing = [k for k in keys if k not in available]
    if missing:
        raise UserError(f"--layers: {missing} not in the store (stored: {list(available)})")
    return keys


def run_id(config: dict[str, Any]) -> str:
    """``<UTC timestamp>-<8 hex of the config>``: sortable and tied to what produced it."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    digest = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{stamp}-{digest}"


def _flat(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return json.dumps(list(value))
    return "" if value is None else value


def write_result(
    out: Path, analysis: str, config: dict[str, Any], rows: list[dict[str, Any]], first_keys: Sequence[str]
) -> tuple[Path, Path]:
    """Write ``<out>/<analysis>/<run-id>.json`` and ``.csv``; return both paths."""
    full_config = {**config, "code_version": code_version()}
    rid = run_id(full_config)
    folder = out / analysis
    payload = {
        "analysis": analysis,
        "run_id": rid,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": full_config,
        "rows": rows,
    }
    json_path = atomic_write_json(folder / f"{rid}.json", payload)
    keys = list(first_keys) + sorted({k for r in rows for k in r} - set(first_keys))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=keys, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _flat(r.get(k)) for k in keys})
    csv_path = atomic_write_text(folder / f"{rid}.csv", buf.getvalue())
    return json_path, csv_path
