"""Loaders: the released Symbolic_Collection (JSONL with ``instruction``/``input``/``output``, from
a local path or a hub name through ``datasets``) and general instruction data in Alpaca,
ShareGPT (``conversations``) and chat ``messages`` (Tulu-style) formats.

No row is dropped silently: a bad row raises :class:`UserError` naming file, line and reason,
unless ``skip_invalid`` is set, in which case the skipped rows are counted in the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symbolcollection.infer import MappingRule, apply_mapping, infer_family, load_mapping
from symbolcollection.schema import NL_FAMILY, Sample
from symbolscope.errors import UserError, get_logger
from symbolscope.io import atomic_dir
from symbolscope.paths import data_dir

log = get_logger(__name__)


@dataclass
class LoadReport:
    """What a load saw: rows read, samples made, and each problem as ``(line, reason)``."""

    source: str
    rows: int = 0
    loaded: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def unplaced(self) -> list[int]:
        """Lines whose family could not be inferred."""
        return [line for line, why in self.problems if why.startswith("could not infer")]

    def summary(self) -> str:
        """One line: counts, and the first problem."""
        first = f"; first: line {self.problems[0][0]}: {self.problems[0][1]}" if self.problems else ""
        return f"{self.source}: {self.rows} rows, {self.loaded} loaded, {len(self.problems)} invalid{first}"


def _read_utf8(path: Path) -> str:
    """The text of ``path`` (a leading UTF-8 BOM dropped); non-UTF-8 bytes are a :class:`UserError`."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UserError(f"{path}: cannot read ({err.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise UserError(
            f"{path}: line {line}: not UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "convert the file to UTF-8"
        ) from None


def iter_records(source: str | Path) -> Iterator[tuple[int, Any, str | None]]:
    """``(line, record, error)`` for a local ``.jsonl``/``.json`` file or a hub dataset name.

    ``error`` is set (and ``record`` is ``None``) for a line that is not JSON. Raises
    :class:`UserError` for a missing or empty file or an unreachable hub dataset.
    """
    path = Path(source)
    if path.exists():
        if path.is_dir():
            raise UserError(f"{path}: is a folder; give a .jsonl or .json file")
        if not path.is_file():
            raise UserError(f"{path}: not a regular file (a device or pipe); give a .jsonl or .json file")
        text = _read_utf8(path)
        if not text.strip():
            raise UserError(f"{path}: empty file (no rows); give a JSONL file with one JSON object per line")
        if path.suffix == ".json" and text.lstrip().startswith("["):
            try:
                rows = json.loads(text)
            except json.JSONDecodeError as err:
                raise UserError(f"{path}: line {err.lineno}: not valid JSON ({err.msg})") from None
            except RecursionError:
                raise UserError(f"{path}: JSON nests too deeply to read") from None
            yield from ((i + 1, r, None) for i, r in enumerate(rows))
            return
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield i, json.loads(line), None
            except json.JSONDecodeError as err:
                yield i, None, f"not valid JSON ({err.msg} at column {err.colno})"
            except RecursionError:
                yield i, None, "JSON nests too deeply to read"
        return
    name = str(source)
    if "/" not in name or name.startswith((".", "/")) or name.endswith((".jsonl", ".json")):
        raise UserError(
            f"{name}: no such file; give a local .jsonl path or a hub dataset name like 'Symbol-LLM/Symbolic_Collection'"
        )
    import datasets

    try:
        ds = datasets.load_dataset(name, split="train")
    except Exception as err:  # network, auth, missing dataset: the user's to fix
        raise UserError(
            f"{name}: cannot load the hub dataset ({type(err).__name__}: {str(err)[:120]}); "
            "download it elsewhere and pass the local .jsonl path"
        ) from None
    for i, row in enumerate(ds, start=1):
        yield i, dict(row), None


def released_row(
    line: int, rec: Any, source: str, rules: list[MappingRule]
) -> tuple[Sample | None, str | None]:
    """Turn one released record into a sample, or say why it cannot be one."""
    if not isinstance(rec, dict):
        return None, "not a JSON object"
    if "output" not in rec:
        return None, "missing field 'output'"
    output = rec.get("output")
    if not isinstance(output, str):
        return None, f"'output' must be a string, got {type(output).__name__}"
    if not output.strip():
        return None, "empty output"
    instruction, inp = str(rec.get("instruction") or ""), str(rec.get("input") or "")
    family, task = rec.get("family"), rec.get("task")
    from symbolcollection import registry

    if family is not None and registry.find(family) is None:
        return None, f"unknown family '{family}'"
    if family is None:
        mapped = apply_mapping(rules, instruction) if rules else None
        if mapped:
            family, task = mapped[0], task or mapped[1]
        else:
            family = infer_family(instruction, output)
    if family is None:
        return None, "could not infer the family (add a rule to a mapping file)"
    sid = str(rec.get("id") or f"released-{line:06d}")
    return Sample(
        sid, str(task or f"released-{family}"), family, instruction, inp, output, f"{source}:{line}"
    ), None


def load_released(
    source: str | Path, *, mapping: str | Path | None = None, skip_invalid: bool = False
) -> tuple[list[Sample], LoadReport]:
    """Load the released Symbolic_Collection (or any file in its schema) with families inferred
    (or taken from ``mapping``). Bad rows raise :class:`UserError` unless ``skip_invalid``."""
    rules = load_mapping(mapping) if mapping else []
    report = LoadReport(str(source))
    samples: list[Sample] = []
    for line, rec, err in iter_records(source):
        report.rows += 1
        sample, why = (None, err) if err else released_row(line, rec, Path(str(source)).name, rules)
        if sample is None:
            report.problems.append((line, why or "invalid"))
        else:
            samples.append(sample)
    return _finish(samples, report, skip_invalid)


def _finish(samples: list[Sample], report: LoadReport, skip_invalid: bool) -> tuple[list[Sample], LoadReport]:
    report.loaded = len(samples)
    if report.problems and not skip_invalid:
        line, why = report.problems[0]
        raise UserError(
            f"{report.source}: line {line}: {why} ({len(report.problems)} invalid row(s) in all; "
            "fix them or pass --skip-invalid / skip_invalid=True to skip and count them)"
        )
    if report.problems:
        log.warning(
            "%s: skipped %d invalid row(s) (first: line %d: %s)",
            report.source,
            len(report.problems),
            *report.problems[0],
        )
    if report.rows and not samples:
        raise UserError(f"{report.source}: no usable rows ({report.summary()})")
    return samples, report


_ROLE = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "chatgpt": "assistant",
         "bard": "assistant", "bing": "assistant", "system": "system"}  # fmt: skip


def _turns(rec: dict[str, Any]) -> list[tuple[str, str]] | None:
    if isinstance(rec.get("conversations"), list):
        return [
            (_ROLE.get(str(t.get("from", "")).lower(), "?"), str(t.get("value", "")))
            for t in rec["conversations"]
            if isinstance(t, dict)
        ]
    if isinstance(rec.get("messages"), list):
        return [
            (_ROLE.get(str(t.get("role", "")).lower(), "?"), str(t.get("content", "")))
            for t in rec["messages"]
            if isinstance(t, dict)
        ]
    return None


def general_rows(line: int, rec: Any, source: str) -> tuple[list[Sample], str | None]:
    """Samples from one Alpaca / ShareGPT / messages record (one per user→assistant exchange)."""
    if not isinstance(rec, dict):
        return [], "not a JSON object"
    turns = _turns(rec)
    if turns is None:
        if "instruction" not in rec and "output" not in rec:
            return (
                [],
                "neither Alpaca (instruction/output), ShareGPT (conversations) nor chat (messages) format",
            )
        if not str(rec.get("output") or "").strip():
            return [], "empty output" if "output" in rec else "missing field 'output'"
        s = Sample(
            f"general-{line:06d}",
            "general-alpaca",
            NL_FAMILY,
            str(rec.get("instruction") or ""),
            str(rec.get("input") or ""),
            str(rec["output"]),
            f"{source}:{line}",
        )
        return [s], None
    system = " ".join(t for r, t in turns if r == "system")
    out: list[Sample] = []
    for i in range(len(turns) - 1):
        (r1, t1), (r2, t2) = turns[i], turns[i + 1]
        if r1 == "user" and r2 == "assistant" and t2.strip():
            out.append(
                Sample(
                    f"general-{line:06d}-{len(out)}",
                    "general-chat",
                    NL_FAMILY,
                    t1,
                    system,
                    t2,
                    f"{source}:{line}",
                )
            )
    if not out:
        return [], "no user turn followed by a non-empty assistant turn"
    return out, None


def load_general_file(source: str | Path, *, skip_invalid: bool = False) -> tuple[list[Sample], LoadReport]:
    """Load general instructions (Alpaca, ShareGPT or chat ``messages``; formats may mix by row)."""
    report = LoadReport(str(source))
    samples: list[Sample] = []
    for line, rec, err in iter_records(source):
        report.rows += 1
        got, why = ([], err) if err else general_rows(line, rec, Path(str(source)).name)
        if why:
            report.problems.append((line, why))
        samples += got
    return _finish(samples, report, skip_invalid)


def save_as_dataset(samples: list[Sample], name: str) -> Path:
    """Store loaded samples as a ``datasets`` Arrow dataset under ``<home>/data/<name>-<fingerprint>``
    (keyed by content; reused if present)."""
    from symbolcollection.fingerprint import dataset_fingerprint
    from symbolcollection.store import save_splits

    final = data_dir() / f"{name}-{dataset_fingerprint(samples)[:16]}"
    if not final.exists():
        try:
            with atomic_dir(final) as tmp:
                save_splits(tmp, {"all": samples}, {})
        except FileExistsError:
            pass
    return final
