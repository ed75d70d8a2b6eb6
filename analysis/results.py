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

from trainer.data.atomic import atomic_write_json, atomic_write_text
from trainer.data.errors import UserError
from trainer.data.version import code_version

LayerKey = int | str


def parse_layers(spec: str, available: Sequence[LayerKey]) -> list[LayerKey]:
    """Resolve ``last | all | "0,10,-1,final_norm"`` against a store's layers.

    Integers index block outputs: 0 is the embedding output, ``L`` the last block; negative
    values count from the end (-1 = ``L``). ``last`` means ``L``. The result holds resolved keys
    exactly as stored (never ``"last"``). Raises :class:`UserError` naming the valid range.
    """
    ints = sorted(x for x in available if isinstance(x, int))
    if not ints:
        raise UserError("the store holds no integer layers")
    top = ints[-1]
    spec = spec.strip()
    if spec == "last":
        return [top]
    if spec == "all":
        return [*ints, *(["final_norm"] if "final_norm" in available else [])]
    out: list[LayerKey] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        if part == "final_norm":
            key: LayerKey = part
        else:
            try:
                value = int(part)
            except ValueError:
                raise UserError(
                    f"--layers: '{part}' is not a layer (use ints, last, all or final_norm)"
                ) from None
            key = top + 1 + value if value < 0 else value
            if not 0 <= key <= top:
                raise UserError(
                    f"--layers: {value} is out of range; valid layers are 0..{top} (or -{top + 1}..-1)"
                )
        if key not in available:
            raise UserError(f"--layers: layer {key} is not in the store (stored: {list(available)})")
        if key not in out:
            out.append(key)
    if not out:
        raise UserError("--layers is empty")
    return out


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
