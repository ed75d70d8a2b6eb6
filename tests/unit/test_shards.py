"""The shard checks both stores share (:mod:`analysis.shards`): a shard missing, of another size
or with other bytes is the one-line damaged-store error naming it; a good shard is hashed once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from analysis import shards, store
from symbolscope.errors import UserError


@pytest.fixture
def shard(tmp_path: Path) -> tuple[Path, str, int, str]:
    """A store folder with one shard: ``(folder, name, size, sha256)``."""
    folder = tmp_path / "some-store"
    folder.mkdir()
    data = b"\x00" * 64
    (folder / "shard-0.safetensors").write_bytes(data)
    return folder, "shard-0.safetensors", len(data), hashlib.sha256(data).hexdigest()


def test_the_store_module_still_exports_the_shard_helpers() -> None:
    assert store.damaged is shards.damaged and store.shard_view is shards.shard_view


@pytest.mark.parametrize("name", ["absent.safetensors", "../shard-0.safetensors", "", None])
def test_missing_shard(shard, name) -> None:
    folder, _, size, sha = shard
    with pytest.raises(UserError, match=rf"store some-store is damaged \(shard {name!r} is missing\)"):
        shards.verify_shard(folder, name, size, sha, set())


def test_wrong_size_then_wrong_bytes(shard) -> None:
    folder, name, size, sha = shard
    with pytest.raises(UserError, match=f"{name} has 64 bytes, the manifest says 65"):
        shards.verify_shard(folder, name, size + 1, sha, set())
    with pytest.raises(UserError, match=f"{name} does not match its recorded sha256"):
        shards.verify_shard(folder, name, size, "0" * 64, set())
    assert "analysis.extract rm some-store" in str(shards.damaged(folder, "x"))


def test_a_verified_shard_is_hashed_once(shard) -> None:
    folder, name, size, sha = shard
    seen: set[str] = set()
    shards.verify_shard(folder, name, size, sha, seen)
    assert seen == {name}
    (folder / name).write_bytes(b"\x01" * size)  # changed after the first check: not hashed again
    shards.verify_shard(folder, name, size, sha, seen)
    with pytest.raises(UserError, match="does not match its recorded sha256"):
        shards.verify_shard(folder, name, size, sha, set())
