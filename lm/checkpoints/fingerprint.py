"""Content fingerprints of model folders, and cheap integrity checks of safetensors files.

A fingerprint is a SHA-256 (first 16 hex digits) over the model's ``config.json`` (canonical
JSON), the SHA-256 of every weight file, and the tokenizer files. Weight-file hashes are
cached by (absolute path, size, mtime) in ``<home>/fingerprints.json`` so a 13 GB checkpoint
is hashed once; any rewrite of a file changes its size or mtime and so its cache key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import struct
from pathlib import Path
from typing import Any

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
    if not path.is_file():
        raise UserError(f"{path}: not a weight file (a folder or missing); remove or rename it")
    size = path.stat().st_size
    try:
        with open(path, "rb") as fh:
            (n,) = struct.unpack("<Q", fh.read(8))
            if n <= 0 or 8 + n > size:
                raise ValueError("header length past the end of the file")
            header = json.loads(fh.read(n))
        if not isinstance(header, dict):
            raise ValueError("the header is not a JSON object")
        ends = []
        for k, v in header.items():
            if k != "__metadata__":
                if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in v["shape"]):
                    raise ValueError(f"tensor {k!r} has a non-integer shape")
                ends.append(int(v["data_offsets"][1]))
    except (OSError, struct.error, ValueError, KeyError, TypeError, IndexError, RecursionError) as err:
        raise UserError(f"{path}: not a valid safetensors file ({err}); re-save or re-download it") from None
    expected = 8 + n + (max(ends) if ends else 0)
    if expected != size:
        raise UserError(
            f"{path}: safetensors file is truncated or corrupt ({size} bytes, header says {expected}); "
            "re-save or re-download it"
        )


def read_config(folder: Path) -> dict[str, Any]:
    """``config.json`` of a model folder as a dict; anything else (not UTF-8, not JSON, not an
    object, a folder) is a :class:`UserError` naming the file."""
    path = folder / "config.json"
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as err:
        why = (
            "not UTF-8" if isinstance(err, UnicodeDecodeError) else f"{type(err).__name__}: {str(err)[:100]}"
        )
        raise UserError(
            f"{path}: unreadable model config ({why}); re-download or re-save the model"
        ) from None
    if not isinstance(cfg, dict):
        raise UserError(f"{path}: a model config must be a JSON object, got {type(cfg).__name__}")
    return cfg


def _header(path: Path) -> dict[str, Any]:
    """The JSON header of a safetensors file (checked by :func:`check_safetensors` first)."""
    check_safetensors(path)
    with open(path, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        return json.loads(fh.read(n))


def check_config_matches_weights(folder: Path) -> None:
    """Raise :class:`UserError` when ``config.json``'s ``hidden_size`` differs from the width of
    the token embedding in the weights (read from the safetensors headers, no weights loaded)."""
    cfg = read_config(folder)
    cfg = (
        cfg
        if "hidden_size" in cfg
        else cfg.get("text_config", cfg)
        if isinstance(cfg.get("text_config"), dict)
        else cfg
    )
    hidden = cfg.get("hidden_size", cfg.get("n_embd"))
    if hidden is not None and (isinstance(hidden, bool) or not isinstance(hidden, int) or hidden < 1):
        raise UserError(f"{folder / 'config.json'}: hidden_size must be a positive integer, got {hidden!r}")
    for f in weight_files(folder):
        for name, info in _header(f).items():
            if name.endswith(("embed_tokens.weight", "wte.weight")) and len(info["shape"]) == 2:
                width = int(info["shape"][1])
                if hidden is not None and width != hidden:
                    raise UserError(
                        f"{folder}: config.json says hidden_size {hidden} but {name} in {f.name} is {width} wide; "
                        "the config does not belong to these weights"
                    )
                return


def safetensors_param_count(path: Path) -> int:
    """Number of scalar parameters stored in a safetensors file, read from its header."""
    header = _header(path)
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
            cache = json.loads(cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            cache = {}
        if not isinstance(cache, dict):  # a cache of the wrong shape is rebuilt, never trusted
            cache = {}
        cache = {k: v for k, v in cache.items() if isinstance(v, str)}
    out: dict[str, str] = {}
    dirty = False
    for f in files:
        st = f.stat()
        # what an in-place edit cannot keep by accident: a rewrite changes ctime, a replace the inode
        key = f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}"
        if key not in cache:
            check_safetensors(f)
            cache[key] = sha256_file(f)
            dirty = True
        out[f.name] = cache[key]
    if dirty and cache_file is not None:
        with contextlib.suppress(OSError):  # the cache only saves time; a read-only home still works
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
    cfg = read_config(folder)
    cfg.pop("transformers_version", None)
    digest.update(json.dumps(cfg, sort_keys=True).encode())
    for name, h in sorted(_cached_hashes(cache_file, files).items()):
        digest.update(f"{name}:{h}\n".encode())
    for name in TOKENIZER_FILES:
        p = folder / name
        if p.is_file():
            digest.update(f"{name}:{sha256_file(p)}\n".encode())
    return digest.hexdigest()[:16]
