"""Content fingerprints of model folders, and cheap integrity checks of safetensors files.

A fingerprint is a SHA-256 (first 16 hex digits) over the model's ``config.json`` (canonical
JSON), the SHA-256 of every weight file, and the tokenizer files. Weight-file hashes are
cached by (absolute path, size, mtime) in ``<home>/fingerprints.json`` so a 13 GB checkpoint
is hashed once; any rewrite of a file changes its size or mtime and so its cache key.
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

from symbolscope.errors import UserError
from symbolscope.io import atomic_write_json, sha256_file

WEIGHT_SUFFIXES = (".safetensors",)
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "special_tokens_map.json",
)


def check_safetensors(path: Path) -> None:
    """Raise :class:`UserError` unless ``path`` is a complete safetensors file.

    Reads only the header: an 8-byte little-endian length, a JSON header, then the data whose
    largest end offset must equal the file's remaining size (a truncated copy fails this).
    """
    size = path.stat().st_size
    try:
        with open(path, "rb") as fh:
            (n,) = struct.unpack("<Q", fh.read(8))
            if n <= 0 or 8 + n > size:
                raise ValueError("header length past the end of the file")
            header = json.loads(fh.read(n))
        ends = [int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"]
    except (struct.error, ValueError, KeyError, TypeError) as err:
        raise UserError(f"{path}: not a valid safetensors file ({err}); re-save or re-download it") from None
    expected = 8 + n + (max(ends) if ends else 0)
    if expected != size:
        raise UserError(
            f"{path}: safetensors file is truncated or corrupt ({size} bytes, header says {expected}); "
            "re-save or re-download it"
        )


def safetensors_param_count(path: Path) -> int:
    """Number of scalar parameters stored in a safetensors file, read from its header."""
    with open(path, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(n))
    total = 0
    for key, info in header.items():
        if key == "__metadata__":
            continue
        count = 1
        for dim in info["shape"]:
            count *= int(dim)
        total += count
    return total


def weight_files(folder: Path) -> list[Path]:
    """The weight files of a model folder, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.suffix in WEIGHT_SUFFIXES)


def _cached_hashes(cache_file: Path | None, files: list[Path]) -> dict[str, str]:
    cache: dict[str, str] = {}
    if cache_file is not None and cache_file.exists():
        try:
            cache = json.loads(cache_file.read_text())
        except (OSError, ValueError):
            cache = {}
    out: dict[str, str] = {}
    dirty = False
    for f in files:
        st = f.stat()
        key = f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}"
        if key not in cache:
            check_safetensors(f)
            cache[key] = sha256_file(f)
            dirty = True
        out[f.name] = cache[key]
    if dirty and cache_file is not None:
        atomic_write_json(cache_file, cache)
    return out


def fingerprint_folder(folder: Path, cache_file: Path | None = None) -> str:
    """Stable content hash (16 hex digits) of a model folder: config + weights + tokenizer.

    Raises :class:`UserError` if the folder has no ``config.json`` or no weight files, or if a
    weight file is corrupt.
    """
    config = folder / "config.json"
    if not config.is_file():
        raise UserError(f"{folder}: holds no model (no config.json); point the alias at a model folder")
    files = weight_files(folder)
    if not files:
        raise UserError(
            f"{folder}: holds no model weights (*.safetensors); point the alias at a model folder"
        )
    digest = hashlib.sha256()
    cfg = json.loads(config.read_text())
    cfg.pop("transformers_version", None)
    digest.update(json.dumps(cfg, sort_keys=True).encode())
    for name, h in sorted(_cached_hashes(cache_file, files).items()):
        digest.update(f"{name}:{h}\n".encode())
    for name in TOKENIZER_FILES:
        p = folder / name
        if p.is_file():
            digest.update(f"{name}:{sha256_file(p)}\n".encode())
    return digest.hexdigest()[:16]
