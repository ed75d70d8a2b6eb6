"""A store's safetensors shards, for the sample store (:mod:`analysis.store`) and the symbol store
(:mod:`analysis.symbolstore`) alike: the damaged-store error, checking a shard against the size
and sha256 its manifest records, and reading one tensor of a shard.

Both stores re-export these from :mod:`analysis.store`, where consumers import them.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from symbolscope.errors import UserError


def damaged(path: Path, what: str) -> UserError:
    """The one-line error for a damaged store folder ``path``: what is wrong and the fix."""
    return UserError(
        f"store {path.name} is damaged ({what}); remove it with 'python -m analysis.extract rm {path.name}' "
        "and re-run to extract it again"
    )


def shard_file(folder: Path, name: object, size: object) -> Path:
    """The shard file ``folder / name`` after checking it is a file right in ``folder`` with the
    recorded ``size`` in bytes (cheap: no hashing); else the damaged-store error."""
    if not isinstance(name, str) or Path(name).name != name or not (folder / name).is_file():
        raise damaged(folder, f"shard {name!r} is missing")
    f = folder / name
    if f.stat().st_size != size:
        raise damaged(folder, f"{name} has {f.stat().st_size} bytes, the manifest says {size}")
    return f


def verify_shard(folder: Path, name: object, size: object, sha256: object, seen: set[str]) -> None:
    """Check shard ``name`` of ``folder`` against its recorded ``size`` and ``sha256`` (hex), once:
    a name in ``seen`` is skipped, a shard that passes is added to it (so each shard is hashed
    once per process and reader). Raises the damaged-store error naming what does not match."""
    from symbolscope.io import sha256_file

    if isinstance(name, str) and name in seen:
        return
    f = shard_file(folder, name, size)
    if sha256_file(f) != sha256:
        raise damaged(folder, f"{f.name} does not match its recorded sha256 (changed after extraction)")
    seen.add(f.name)


#: safetensors dtypes a store's tensors may have, and how they are read.
_TENSOR_DTYPES = {"F32": np.float32, "F16": np.float16}


def shard_view(path: Path, name: str, copy: bool, dtypes: Sequence[str] = ("F32",)) -> np.ndarray:
    """Tensor ``name`` of a safetensors file as a read-only memmap (or a copy), ``[n, d]``: float32
    as stored, or (float16 among ``dtypes``) converted to a float32 copy."""
    try:
        with open(path, "rb") as fh:
            (hlen,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(min(hlen, 100_000_000)))
        info = header.get(name)
        if not isinstance(info, dict) or info.get("dtype") not in dtypes:
            raise ValueError(
                f"no {'/'.join(str(np.dtype(_TENSOR_DTYPES[d])) for d in dtypes)} tensor '{name}'"
            )
        dtype = _TENSOR_DTYPES[info["dtype"]]
        start, end = (int(v) for v in info["data_offsets"])
        shape = tuple(int(s) for s in info["shape"])
        if len(shape) != 2 or min(shape) < 0 or end - start != np.dtype(dtype).itemsize * shape[0] * shape[1]:
            raise ValueError(f"tensor '{name}' has an inconsistent shape")
    except (OSError, struct.error, ValueError, TypeError, AttributeError, KeyError, RecursionError) as err:
        raise damaged(path.parent, f"{path.name}: {err}") from None
    if end == start:
        return np.zeros(shape, dtype=np.float32)
    arr = np.memmap(path, dtype=dtype, mode="r", offset=8 + hlen + start, shape=shape)
    return np.array(arr, dtype=np.float32) if copy or dtype != np.float32 else arr
