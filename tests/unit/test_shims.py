"""The former package names keep working: ``trainer.data`` is the Symbolic Collection
(:mod:`symbolcollection`) under its old name, for imports and for ``python -m``."""

from __future__ import annotations

import pytest
from support.cli import run_module

import symbolcollection
import trainer.data

COMMANDS = ("build", "stats", "validate", "show", "export", "load")


def test_trainer_data_names_are_the_collection_objects() -> None:
    from trainer.data import FAMILIES, Sample, load_general, load_split

    assert Sample is symbolcollection.Sample and FAMILIES is symbolcollection.FAMILIES
    assert (
        load_split is symbolcollection.load_split and load_split.__module__ == "symbolcollection.collection"
    )
    assert load_general is symbolcollection.load_general
    assert sorted(trainer.data.__all__) == sorted(symbolcollection.__all__)


def test_trainer_data_unknown_name_says_where_the_collection_is() -> None:
    with pytest.raises(AttributeError, match="'symbolcollection'"):
        _ = trainer.data.no_such_name


@pytest.mark.parametrize("module", ["trainer.data", "symbolcollection"])
def test_both_commands_offer_the_collection_cli(module: str) -> None:
    res = run_module(module, "--help")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"usage: python -m {module} "), res.stdout
    assert all(cmd in res.stdout for cmd in COMMANDS), res.stdout
    bad = run_module(module, "bogus")
    assert bad.returncode == 2 and "invalid choice: 'bogus'" in bad.stderr, bad.stderr
    assert f"python -m {module}" in bad.stderr
