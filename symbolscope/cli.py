"""Command-line options from typed configs: every default and help text is written once.

A config dataclass declares each setting with :func:`option`; the CLI adds the options with
:func:`add_options` and builds the config back with :func:`options_from`. So ``python -m X`` with
no options and a library call with ``Config()`` run with the same settings, and ``--help`` shows
the dataclass's defaults::

    @dataclass(frozen=True)
    class Config:
        k: int = option(10, "neighbours for mutual k-NN")
        measures: tuple[str, ...] = option(("cka", "procrustes"), "measures to compute")
        cache: bool = option(True, "read and write the cache")      # the CLI flag is --no-cache

    parser = argparse.ArgumentParser()
    add_options(parser, Config)
    config = options_from(Config, parser.parse_args(argv))

The rules, by the field's type: ``bool`` defaulting to True gives ``--no-x`` (False: ``--x``);
a tuple is a comma list (``--measures cka,procrustes``); ``X | None`` also takes ``none``;
``int``, ``float`` and ``str`` are read as such. ``choices`` restrict the value (each member of a
list). A value that does not parse is one :class:`~symbolscope.errors.UserError` line naming the
flag. Help texts get ``(default: X)``.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from symbolscope.errors import UserError

T = TypeVar("T")
#: What ``--x none`` and a None default read as.
NONE = "none"


def option(
    default: Any,
    help: str,
    *,
    flag: str | None = None,
    choices: Sequence[str] | None = None,
    cli: bool = True,
    repeat: bool = False,
    metavar: str | None = None,
) -> Any:
    """A dataclass field with ``default`` whose metadata says how the CLI offers it.

    ``help``: one line for ``--help`` (the default is appended); ``flag``: the option's name when
    it is not ``--field-name`` (e.g. ``--jobs`` for ``n_jobs``; for a bool the name of the flag
    that flips the default); ``choices``: allowed values; ``cli=False``: a library-only setting;
    ``repeat``: a tuple option that may also be given several times (``--run-name a --run-name b``).
    """
    meta = {"help": help, "flag": flag, "choices": tuple(choices) if choices else None, "cli": cli}
    meta |= {"repeat": repeat, "metavar": metavar}
    return dataclasses.field(default=default, metadata=meta)


def cli_fields(config_type: type) -> list[dataclasses.Field[Any]]:
    """The fields of ``config_type`` the CLI offers (declared with :func:`option`, ``cli`` true)."""
    return [f for f in dataclasses.fields(config_type) if f.metadata.get("cli")]


def flag_of(f: dataclasses.Field[Any]) -> str:
    """The option string of field ``f`` (``--no-x`` for a bool that defaults to True)."""
    if f.metadata.get("flag"):
        return str(f.metadata["flag"])
    stem = f.name.replace("_", "-")
    return f"--no-{stem}" if f.default is True else f"--{stem}"


def show_default(value: Any) -> str:
    """How a default reads in ``--help`` (and on the command line)."""
    if value is None:
        return NONE
    if isinstance(value, tuple):
        return ",".join(map(str, value)) if value else "empty"
    return str(value)


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """``(the type without None, whether None is allowed)`` of a field's type hint."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            raise TypeError(f"unsupported option type {hint!r}")
        return rest[0], len(rest) < len(args)
    return hint, False


def _scalar(kind: type, flag: str, choices: tuple[str, ...] | None) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        try:
            value = kind(text.strip())
        except ValueError:
            raise UserError(
                f"{flag}: {text!r} is not {'an integer' if kind is int else 'a number'}"
            ) from None
        if choices and value not in choices:
            raise UserError(f"{flag}: unknown value {text!r}; choose one of {', '.join(choices)}")
        return value

    return read


def converter(hint: Any, flag: str, choices: tuple[str, ...] | None = None) -> Callable[[str], Any]:
    """The function that reads option ``flag`` of type ``hint`` from its command-line text."""
    base, nullable = _unwrap(hint)
    if typing.get_origin(base) is tuple:
        member = _scalar(typing.get_args(base)[0], flag, choices)

        def read(text: str) -> Any:
            return tuple(member(part) for part in text.split(",") if part.strip())
    else:
        read = _scalar(base, flag, choices)
    if not nullable:
        return read
    return lambda text: None if text.strip().lower() == NONE else read(text)


def add_options(
    parser: argparse.ArgumentParser | Any, config_type: type, *, only: Sequence[str] | None = None
) -> None:
    """Add one option to ``parser`` (a parser or an argument group) per CLI field of
    ``config_type`` (or of the fields named in ``only``), its default the field's default."""
    hints = typing.get_type_hints(config_type)
    for f in cli_fields(config_type):
        if only is not None and f.name not in only:
            continue
        meta, flag = f.metadata, flag_of(f)
        if hints[f.name] is bool:
            action = "store_false" if f.default is True else "store_true"
            parser.add_argument(flag, dest=f.name, action=action, default=f.default, help=meta["help"])
            continue
        choices = meta["choices"]
        metavar = meta["metavar"] or ("{" + ",".join(choices) + "}" if choices else None)
        parser.add_argument(
            flag,
            dest=f.name,
            type=converter(hints[f.name], flag, choices),
            default=None if meta["repeat"] else f.default,  # argparse appends to a list, not a tuple
            action="append" if meta["repeat"] else "store",
            metavar=metavar,
            help=f"{meta['help']} (default: {show_default(f.default)})",
        )


def options_from(config_type: type[T], args: argparse.Namespace, **given: Any) -> T:
    """``config_type`` from parsed ``args`` (its CLI fields) and ``given`` (any other field)."""
    values: dict[str, Any] = {}
    for f in cli_fields(config_type):
        if not hasattr(args, f.name):
            continue
        value = getattr(args, f.name)
        if f.metadata["repeat"]:  # None: not given; else one tuple per occurrence
            if value is None:
                continue
            value = tuple(x for part in value for x in part)
        values[f.name] = value
    return config_type(**{**values, **given})
