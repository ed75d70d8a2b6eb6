"""A temporary ``SYMBOLSCOPE_HOME`` that still sees the data sources ``make install`` fetched."""

from __future__ import annotations

from pathlib import Path

from symbolscope.paths import home as current_home

#: the cache home the test run started with (``make install`` filled its ``sources/``)
INSTALLED_SOURCES = current_home() / "sources"


def share_sources(home: Path) -> Path:
    """Link ``home/sources`` to the installed data sources (read only by the suite); return ``home``.

    A test that builds the collection in a fresh home needs the pinned data (HumanEval, NL2Bash,
    PDDL, the embedded tokenizer's GGUF); without it the build leaves those tasks out, as on a
    machine where a source vanished.
    """
    home.mkdir(parents=True, exist_ok=True)
    (home / "sources").symlink_to(INSTALLED_SOURCES, target_is_directory=True)
    return home
