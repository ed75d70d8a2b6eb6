"""The former package names keep working, for imports and for ``python -m``: ``trainer.data`` is
the Symbolic Collection (:mod:`symbolcollection`) and ``analysis.checkpoints`` the checkpoint
registry (:mod:`lm.checkpoints`) under their old names."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.cli import REPO, run_module

import analysis.checkpoints
import lm.checkpoints
import symbolcollection
import trainer.data

COMMANDS = ("build", "stats", "validate", "show", "export", "load")


def test_trainer_data_names_are_the_collection_objects() -> None:
    from trainer.data import NL_FAMILY, Sample, load_general, load_split

    assert Sample is symbolcollection.Sample and NL_FAMILY is symbolcollection.NL_FAMILY
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


def test_analysis_checkpoints_names_are_the_registry_objects() -> None:
    from analysis.checkpoints import RUN_CARD, Checkpoint, load_model, resolve

    assert resolve is lm.checkpoints.resolve and resolve.__module__ == "lm.checkpoints.registry"
    assert Checkpoint is lm.checkpoints.Checkpoint and load_model is lm.checkpoints.load_model
    assert RUN_CARD == lm.checkpoints.RUN_CARD
    assert sorted(analysis.checkpoints.__all__) == sorted(lm.checkpoints.__all__)
    with pytest.raises(AttributeError, match=r"'lm\.checkpoints'"):
        _ = analysis.checkpoints.no_such_name


@pytest.mark.parametrize("module", ["analysis.checkpoints", "lm.checkpoints"])
def test_both_commands_offer_the_checkpoint_cli(module: str) -> None:
    res = run_module(module, "--help")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"usage: python -m {module} "), res.stdout
    assert all(cmd in res.stdout for cmd in ("list", "show", "prepare")), res.stdout


def test_importing_the_model_side_registry_loads_no_torch() -> None:
    code = "import sys, lm, lm.checkpoints, analysis.checkpoints; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "False", out.stdout
