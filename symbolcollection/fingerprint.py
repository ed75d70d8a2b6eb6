"""Content hashes: of one output (for split assignment) and of an ordered list of samples."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from symbolcollection.schema import SAMPLE_FIELDS, Sample


def normalise_output(output: str) -> str:
    """Normalise an output for identity: whitespace collapsed, case folded."""
    return " ".join(output.split()).casefold()


def output_hash(output: str) -> str:
    """Hex SHA-256 of the normalised output (the key that assigns splits)."""
    return hashlib.sha256(normalise_output(output).encode("utf-8")).hexdigest()


def dataset_fingerprint(samples: Sequence[Sample]) -> str:
    """A stable hex content hash of an ordered list of samples (every field, in order)."""
    h = hashlib.sha256()
    for s in samples:
        row = [getattr(s, f) for f in SAMPLE_FIELDS]
        h.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()
