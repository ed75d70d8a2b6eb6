"""The README stays short and its links land; the docs hooks generate what they promise.

`make lint` builds the whole site with `mkdocs build --strict` (broken links, pages missing from
the nav, reference names that no longer import); these tests cover what that build does not see:
the README (not part of the site) and the generators themselves, on hand-written expectations.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import re
import sys
import types
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def _hooks() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("symbolscope_docs_hooks", REPO / "docs" / "hooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nav_pages(node: object) -> set[str]:
    if isinstance(node, str):
        return {node}
    if isinstance(node, list):
        return set().union(*(_nav_pages(n) for n in node))
    if isinstance(node, dict):
        return set().union(*(_nav_pages(v) for v in node.values()))
    return set()


def test_readme_is_short_and_every_relative_link_lands() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    nav = _nav_pages(yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+://", t)]
    assert "docs/index.md" in local and "docs/img/align_uniform.png" in local
    for target in local:
        assert (REPO / target).is_file(), f"README links to {target}, which does not exist"
        if target.startswith("docs/") and target.endswith(".md"):
            assert target.removeprefix("docs/") in nav, f"{target} is linked from README but not in the nav"


def test_every_docs_page_is_in_the_nav() -> None:
    nav = _nav_pages(yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])
    pages = {p.relative_to(REPO / "docs").as_posix() for p in (REPO / "docs").rglob("*.md")}
    assert pages <= nav, f"pages missing from mkdocs.yml's nav: {sorted(pages - nav)}"


def test_snippet_is_the_readme_block_the_public_api_test_runs() -> None:
    hooks = _hooks()
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?)```", text.split("## From Python", 1)[1], re.S)
    assert block
    assert hooks.render_snippet("README.md From Python") == f"```python\n{block.group(1)}```\n"
    with pytest.raises(LookupError, match="no heading 'Nowhere'"):
        hooks.render_snippet("README.md Nowhere")


@dataclasses.dataclass
class _Config:
    """A throwaway config."""

    width: int = dataclasses.field(default=3, metadata={"help": "how wide | in cells"})
    names: tuple[str, ...] = ("a",)
    seed: int | None = None


def _probe(aliases: str | list[str], *, split: str = "analysis", layers: str = "all") -> dict[str, int]:
    """Probe ``aliases``.

    Returns ``{alias: n}``.
    """
    return {}


def test_api_renders_signature_docstring_and_dataclass_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    hooks = _hooks()
    fake = types.ModuleType("fakepkg")
    fake.__all__ = ["Config", "probe"]
    fake.Config, fake.probe = _Config, _probe
    fake.__doc__ = "The fake package."
    monkeypatch.setitem(sys.modules, "fakepkg", fake)
    out = hooks.render_api("fakepkg")
    assert out.startswith("```text\nThe fake package.\n```\n")
    assert "### `fakepkg.Config`" in out and "### `fakepkg.probe`" in out
    assert "```text\nA throwaway config.\n```" in out
    assert (
        "| field | type | default | meaning |\n|---|---|---|---|\n"
        "| `width` | `int` | `3` | how wide \\| in cells |\n"
        "| `names` | `tuple[str, ...]` | `('a',)` |  |\n"
        "| `seed` | `int \\| None` | `None` |  |"
    ) in out
    assert "```python\ndef fakepkg.probe(\n    aliases: str | list[str],\n    *,\n" in out
    assert "    split: str = 'analysis',\n    layers: str = 'all',\n) -> dict[str, int]\n```" in out
    assert "Probe ``aliases``.\n\nReturns ``{alias: n}``." in out


def test_api_of_a_missing_name_is_a_warning_that_strict_mode_fails_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hooks = _hooks()
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        out = hooks.expand("# page\n\n::: api symbolscope.no_such_name\n", "reference/api.md")
    assert "*(`api symbolscope.no_such_name` could not be generated)*" in out
    [record] = [r for r in caplog.records if r.name.startswith("mkdocs")]
    assert record.levelno == logging.WARNING
    assert (
        "reference/api.md: '::: api symbolscope.no_such_name' failed: ModuleNotFoundError"
        in record.getMessage()
    )


def test_cli_directive_is_the_commands_own_help() -> None:
    out = _hooks().expand("::: cli symbolscope.sources\n")
    assert out.startswith(
        "```text\n$ python -m symbolscope.sources --help\nusage: python -m symbolscope.sources"
    )
    assert "{fetch,list,add}" in out and out.endswith("```\n")


def test_families_table_is_built_from_the_family_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    ns = types.SimpleNamespace
    executes = ns(rule="same rows | same order")
    fams = (
        ns(
            name="toy",
            tasks=(ns(name="nl2toy"), ns(name="toy2")),
            execution=executes,
            no_execution="",
            exact_rule="stripped",
            depth=len,
            no_depth="",
            delegate={"table": executes},
        ),
        ns(
            name="flat",
            tasks=(ns(name="nl2flat"),),
            execution=None,
            no_execution="exact match only",
            exact_rule="as is",
            depth=None,
            no_depth="no nesting",
            delegate={},
        ),
    )
    registry = types.ModuleType("fake_registry")
    registry.families = lambda: fams
    monkeypatch.setitem(sys.modules, "fake_registry", registry)
    assert _hooks().render_families("fake_registry") == (
        "| family | tasks | execution match | exact match after | parse-tree depth | delegation |\n"
        "|---|---|---|---|---|---|\n"
        "| `toy` | `nl2toy`, `toy2` | same rows \\| same order | stripped | its parser's tree | `table` |\n"
        "| `flat` | `nl2flat` | exact match only | as is | no nesting | – |\n"
    )


def test_api_expands_a_study_package_met_as_a_member(monkeypatch: pytest.MonkeyPatch) -> None:
    hooks = _hooks()
    study = types.ModuleType("fakeroot.study")
    study.__doc__, study.__all__, study.run = "The study.", ["run"], _probe
    root = types.ModuleType("fakeroot")
    root.__doc__, root.__all__, root.study, root.LIMIT = "Root.", ["LIMIT", "study"], study, 3
    monkeypatch.setitem(sys.modules, "fakeroot", root)
    monkeypatch.setitem(sys.modules, "fakeroot.study", study)
    out = hooks.render_api("fakeroot")
    assert out.startswith("```text\nRoot.\n```\n")
    assert "### `fakeroot.LIMIT`\n\n```python\nfakeroot.LIMIT = 3\n```" in out
    assert "### `fakeroot.study`\n\n```text\nThe study.\n```\n" in out
    assert "#### `fakeroot.study.run`\n" in out and "def fakeroot.study.run(" in out
