"""Every default is written once: the CLIs take their flags, defaults and help from the configs.

For every config with a CLI, parsing no arguments gives exactly ``Config()`` and ``--help`` shows
each field's default; the library functions that still take keywords read the same defaults.
The rules of :mod:`symbolscope.cli` are checked on a config written here, against hand-written
values.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from symbolscope.cli import add_options, cli_fields, flag_of, option, options_from, show_default
from symbolscope.errors import UserError


@dataclass(frozen=True)
class Toy:
    name: str = option("last", "a string")
    k: int = option(10, "an int")
    t: float = option(2.0, "a float")
    measures: tuple[str, ...] = option(("cka", "knn"), "a list", choices=("cka", "knn", "procrustes"))
    cs: tuple[float, ...] = option((0.1, 1.0), "floats", flag="--Cs")
    pca: int | None = option(None, "an int or none")
    families: tuple[str, ...] | None = option(None, "a list or none")
    runs: tuple[str, ...] = option((), "repeatable", flag="--run", repeat=True)
    cache: bool = option(True, "switch the cache off")
    cross: bool = option(False, "switch cross on")
    hidden: int = option(3, "library only", cli=False)


def _toy(*argv: str) -> Toy:
    p = argparse.ArgumentParser()
    add_options(p, Toy)
    return options_from(Toy, p.parse_args(list(argv)))


def test_no_arguments_is_the_default_config() -> None:
    assert _toy() == Toy()


def test_each_kind_of_field_parses_as_written() -> None:
    got = _toy(
        "--name",
        "all",
        "--k",
        "3",
        "--t",
        "0.5",
        "--measures",
        "procrustes, cka",
        "--Cs",
        "1,10",
        "--pca",
        "7",
        "--families",
        "sql,fol",
        "--run",
        "a",
        "--run",
        "b,c",
        "--no-cache",
        "--cross",
    )
    assert got == Toy(
        name="all",
        k=3,
        t=0.5,
        measures=("procrustes", "cka"),
        cs=(1.0, 10.0),
        pca=7,
        families=("sql", "fol"),
        runs=("a", "b", "c"),
        cache=False,
        cross=True,
        hidden=3,
    )
    assert _toy("--pca", "none", "--families", "NONE") == Toy()
    assert _toy("--pca", "12").pca == 12


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--k", "ten"], "--k: 'ten' is not an integer"),
        (["--t", "hot"], "--t: 'hot' is not a number"),
        (["--pca", "x"], "--pca: 'x' is not an integer"),
        (
            ["--measures", "cka,cosine"],
            "--measures: unknown value 'cosine'; choose one of cka, knn, procrustes",
        ),
    ],
)
def test_a_bad_value_is_one_user_error_naming_the_flag(argv: list[str], message: str) -> None:
    with pytest.raises(UserError) as err:
        _toy(*argv)
    assert str(err.value) == message


def test_help_shows_every_default_and_the_flags() -> None:
    p = argparse.ArgumentParser()
    add_options(p, Toy)
    text = " ".join(p.format_help().split())
    for needle in (
        "--name NAME a string (default: last)",
        "--k K an int (default: 10)",
        "(default: 2.0)",
        "a list (default: cka,knn)",
        "--Cs CS floats (default: 0.1,1.0)",
        "an int or none (default: none)",
        "repeatable (default: empty)",
        "--no-cache switch the cache off",
        "--cross switch cross on",
    ):
        assert needle in text
    assert "--hidden" not in text and "--cache " not in text


# --- the suite's CLIs -------------------------------------------------------------------------


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


def _cases() -> list[tuple[str, Callable[[], argparse.ArgumentParser], list[str], type]]:
    """(name, the CLI's parser, the arguments it requires, the config it builds)."""
    from importlib import import_module

    from analysis import ability_vs_geometry, reproduce
    from analysis.evaluate import Config as EvaluateConfig
    from analysis.evaluate import __main__ as evaluate_cli
    from analysis.extract import cli as extract_cli
    from analysis.extract.config import ExtractConfig
    from probes import cli as probes_cli
    from probes.config import Config as ProbeConfig
    from symbolcollection import cli as data_cli
    from symbolcollection.config import BuildConfig
    from trainer import report

    similarity, projection = (import_module(f"analysis.{m}") for m in ("similarity", "projection"))
    from analysis.uniformity import Config as UniformityConfig
    from analysis.uniformity import cli as uniformity

    return [
        ("uniformity", uniformity.build_parser, [], UniformityConfig),
        ("similarity", similarity.build_parser, [], similarity.Config),
        ("projection", projection.build_parser, [], projection.Config),
        ("probes", probes_cli.build_parser, [], ProbeConfig),
        ("evaluate", evaluate_cli.build_parser, [], EvaluateConfig),
        ("training report", report.build_parser, [], report.ReportConfig),
        ("reproduce", reproduce.build_parser, [], reproduce.ReproduceConfig),
        ("ability vs geometry", ability_vs_geometry.build_parser, [], ability_vs_geometry.Config),
        ("extract", lambda: _subparser(extract_cli.build_parser(), "run"), ["--ckpt", "tiny"], ExtractConfig),
        (
            "collection build",
            lambda: _subparser(data_cli._parser("python -m symbolcollection"), "build"),
            [],
            BuildConfig,
        ),
    ]


CASES = [
    "uniformity",
    "similarity",
    "projection",
    "probes",
    "evaluate",
    "training report",
    "reproduce",
    "ability vs geometry",
    "extract",
    "collection build",
]


@pytest.mark.parametrize("name", CASES)
def test_no_arguments_gives_the_default_config(name: str) -> None:
    _, parser, required, config_type = next(c for c in _cases() if c[0] == name)
    assert options_from(config_type, parser().parse_args(required)) == config_type()


@pytest.mark.parametrize("name", CASES)
def test_help_shows_the_dataclass_defaults(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # no wrapping inside a default such as analysis-valid
    _, parser, _, config_type = next(c for c in _cases() if c[0] == name)
    text = " ".join(parser().format_help().split())
    fields = cli_fields(config_type)
    assert fields, config_type
    for f in fields:
        assert flag_of(f) in text, f.name
        if not isinstance(f.default, bool):
            assert f"(default: {show_default(f.default)})" in text, f.name


def test_the_defaults_users_know() -> None:
    """The values themselves, typed from the README and the design card (independent truth)."""
    from analysis.evaluate import Config as EvaluateConfig
    from analysis.extract.config import ExtractConfig
    from analysis.reproduce import ReproduceConfig
    from analysis.uniformity import Config as UniformityConfig
    from symbolcollection.config import BuildConfig

    assert (EvaluateConfig().max_new_tokens, EvaluateConfig().batch_tokens) == (128, 6144)
    assert (UniformityConfig().layers, UniformityConfig().bootstrap) == ("last", 1000)
    assert (ExtractConfig().layers, ExtractConfig().span, ExtractConfig().batch_tokens) == (
        "all",
        "symbol",
        2048,
    )
    assert (BuildConfig().seed, BuildConfig().evol_share, BuildConfig().workers) == (0, 0.06, 2)
    assert ReproduceConfig() == ReproduceConfig("results", "cpu-smollm", "base,injection,ours", (), False)


def _keyword_defaults(function: Callable[..., object]) -> dict[str, object]:
    return {
        n: p.default for n, p in inspect.signature(function).parameters.items() if p.default is not p.empty
    }


def test_library_keywords_read_the_config_defaults() -> None:
    from analysis.evaluate.generate import generate
    from analysis.extract.api import ensure_store, run
    from analysis.extract.build import BuildOptions
    from analysis.extract.config import ExtractConfig
    from analysis.uniformity import Config as UniformityConfig
    from analysis.uniformity import uniformity_report
    from symbolcollection.build import build_collection, collection_dir, ensure_built
    from symbolcollection.collection import ensure_collection
    from symbolcollection.config import BuildConfig

    extract_defaults = dataclasses.asdict(ExtractConfig())
    for function in (ensure_store, run, BuildOptions):
        for name, value in _keyword_defaults(function).items():
            if name in extract_defaults:
                assert value == extract_defaults[name], (function, name)
    assert set(_keyword_defaults(run)) == set(extract_defaults)
    build_defaults = dataclasses.asdict(BuildConfig())
    for function in (ensure_built, build_collection, collection_dir, ensure_collection):
        for name, value in _keyword_defaults(function).items():
            if name in build_defaults:
                assert value == build_defaults[name], (function, name)
    au = UniformityConfig()
    report = _keyword_defaults(uniformity_report)
    assert (report["t"], report["alpha"], report["max_pairs"], report["n_boot"]) == (
        au.t,
        au.alpha,
        au.max_pairs,
        au.bootstrap,
    )
    assert (report["seed"], report["level"], report["pairs"]) == (au.seed, au.level, au.pairs)
    # generation limits come from the caller's config only (they once disagreed: 160/8192)
    assert "max_new_tokens" not in _keyword_defaults(generate)
    assert "batch_tokens" not in _keyword_defaults(generate)
