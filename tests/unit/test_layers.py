"""The import-linter contracts of pyproject.toml bite: an import that goes the wrong way fails.

The contracts are read from the real pyproject.toml and run by the real ``lint-imports`` over a
tree of stub packages under the project's own names (an empty ``__init__.py`` per module the
contracts name, plus the import under test), so the test needs no model and no project code.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

#: Imports that follow the layers: each goes down, or sideways where no `|` separates.
GOOD = {
    "probes.inputs": "import analysis.store\nimport lm.checkpoints\nimport symbolcollection",
    "analysis.uniformity": "import analysis.extract\nimport analysis.study_cli",
    "analysis.study_cli": "import analysis.store\nimport figures",
    "analysis.extract": "import analysis.store\nimport lm.checkpoints\nimport symbolcollection",
    "analysis.store": "import analysis.layers",
    "trainer.loop": "import lm.loss\nimport symbolcollection",
    "lm.loss": "import symbolcollection\nimport symbolscope",
    "figures.style": "import symbolscope",
}


def _contracts() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]


def _named_modules(config: dict) -> set[str]:
    """Every module a contract names (containers joined with their layers)."""
    names = set(config["root_packages"])
    for contract in config["contracts"]:
        for key in ("source_modules", "forbidden_modules", "ancestors", "containers"):
            names.update(contract.get(key, ()))
        layers = [m.strip(" ()") for layer in contract.get("layers", ()) for m in layer.split("|")]
        for container in contract.get("containers", ()):
            names.update(f"{container}.{m}" for m in layers)
        if not contract.get("containers"):
            names.update(layers)
    return names


def _write_module(src: Path, module: str, text: str = "") -> None:
    """``a.b.c`` as src/a/b/c/__init__.py (packages all the way, so children can be added)."""
    folder = src.joinpath(*module.split("."))
    for depth in range(len(module.split("."))):
        parent = src.joinpath(*module.split(".")[: depth + 1])
        parent.mkdir(exist_ok=True)
        (parent / "__init__.py").touch()
    if text:
        (folder / "__init__.py").write_text(text + "\n")


def _lint(tmp_path: Path, imports: dict[str, str]) -> subprocess.CompletedProcess[str]:
    config = _contracts()
    src = tmp_path / "src"
    src.mkdir()
    for module in sorted(_named_modules(config)):
        _write_module(src, module)
    for module, text in {**GOOD, **imports}.items():
        _write_module(src, module, text)
    lines = ["[tool.importlinter]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in config.items() if k != "contracts"]
    for contract in config["contracts"]:
        lines += ["", "[[tool.importlinter.contracts]]"]
        lines += [f"{k} = {json.dumps(v)}" for k, v in contract.items()]
    cfg = tmp_path / "contracts.toml"
    cfg.write_text("\n".join(lines) + "\n")
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(cfg), "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_real_tree_keeps_the_contracts() -> None:
    res = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stdout[-3000:]
    assert f"Contracts: {len(_contracts()['contracts'])} kept, 0 broken." in res.stdout


def test_a_tree_whose_imports_go_down_passes(tmp_path: Path) -> None:
    res = _lint(tmp_path, {})
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"Contracts: {len(_contracts()['contracts'])} kept, 0 broken." in res.stdout


@pytest.mark.parametrize(
    ("module", "imports", "edge"),
    [
        ("trainer", "import analysis", "trainer -> analysis"),
        ("trainer.report", "import analysis.reproduce", "trainer.report -> analysis.reproduce"),
        ("analysis.evaluate", "import trainer.loop", "analysis.evaluate -> trainer.loop"),
        ("figures.style", "import symbolcollection", "figures.style -> symbolcollection"),
        ("lm.checkpoints", "import trainer", "lm.checkpoints -> trainer"),
        ("symbolcollection.chat", "import lm.loss", "symbolcollection.chat -> lm.loss"),
        ("symbolscope", "import figures", "symbolscope -> figures"),
        ("analysis.store", "import analysis.extract", "analysis.store -> analysis.extract"),
        ("analysis.metrics", "import analysis.layers", "analysis.metrics -> analysis.layers"),
        ("probes.inputs", "import analysis.extract.engine", "probes.inputs -> analysis.extract.engine"),
    ],
)
def test_an_import_the_wrong_way_fails_naming_the_edge(
    tmp_path: Path, module: str, imports: str, edge: str
) -> None:
    res = _lint(tmp_path, {module: imports})
    assert res.returncode == 1, res.stdout + res.stderr
    assert "BROKEN" in res.stdout and re.search(rf"^-\s+{re.escape(edge)} \(l\.1\)$", res.stdout, re.M), (
        res.stdout
    )
    assert " 0 broken." not in res.stdout, res.stdout


def test_a_cycle_inside_the_collection_fails(tmp_path: Path) -> None:
    res = _lint(
        tmp_path,
        {
            "symbolcollection.tasks": "import symbolcollection.lexing",
            "symbolcollection.lexing": "import symbolcollection.tasks",
        },
    )
    assert res.returncode == 1, res.stdout + res.stderr
    assert "No cycles are allowed in symbolcollection." in res.stdout, res.stdout
