"""Training configuration: typed dataclasses, loaded from YAML or TOML and validated strictly.

One file configures both stages: shared settings at the top level, per-stage settings under
``injection:`` and ``infusion:``. An unknown key, or a value of the wrong type, is a
:class:`UserError` that names the file and the dotted key. A bare name such as ``cpu-tiny``
means ``trainer/configs/cpu-tiny.{yaml,yml,toml}``; anything else is a path.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from symbolscope.errors import UserError

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
#: A run name is one folder name: letters, digits, ``._-``, not starting with a dot or dash.
RUN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
CONFIG_SUFFIXES = (".yaml", ".yml", ".toml")
STAGES = ("injection", "infusion")


@dataclass(frozen=True)
class DataConfig:
    """Where the samples come from and how many of them are used.

    ``collection``: ``embedded`` (the Symbolic Collection of :mod:`symbolcollection`) or a folder
    holding ``symbolic_train.jsonl``, ``symbolic_test.jsonl``, ``general_train.jsonl`` and
    ``general_test.jsonl`` (one :class:`symbolcollection.Sample` per line; relative to the config).
    """

    collection: str = "embedded"
    seed: int = 0
    families: list[str] | None = None
    include_evol: bool = True


@dataclass(frozen=True)
class EvalConfig:
    """Validation loss on held-out symbolic (``test`` split) and general-NL (``test``) samples."""

    symbolic_samples: int = 64
    general_samples: int = 64
    batch_rows: int = 4
    every_steps: int = 0  # 0 = only before and after training


@dataclass(frozen=True)
class StageConfig:
    """Optimisation settings of one stage. Batches are counted in packed rows of ``max_length``.

    One optimizer step consumes ``micro_batch_rows * grad_accum * world_size`` rows; with
    ``global_batch_rows`` set, ``grad_accum`` is derived from it for the actual world size.
    ``max_steps`` caps the steps (0 = ``epochs`` full passes). ``train_samples`` caps the
    training samples (0 = all). ``general_fraction`` (Infusion only) is the share of general-NL
    samples in the symbolic + general mix (0.5 = 1:1 symbolic:general).
    """

    lr: float = 2e-5
    schedule: Literal["cosine", "linear", "constant"] = "cosine"
    warmup_ratio: float = 0.03
    min_lr_ratio: float = 0.0
    epochs: float = 1.0
    max_steps: int = 0
    micro_batch_rows: int = 1
    grad_accum: int = 1
    global_batch_rows: int = 0  # if set, grad_accum = global / (micro_batch_rows × world)
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    adam_betas: list[float] = field(default_factory=lambda: [0.9, 0.95])
    train_samples: int = 0
    general_fraction: float = 0.5
    save_every: int = 0  # resume checkpoint every N steps (0 = never mid-run)
    log_every: int = 1


@dataclass(frozen=True)
class TrainConfig:
    """The whole configuration (see ``trainer/configs/*.yaml`` for commented examples)."""

    model: str = "tiny"
    seed: int = 0
    max_length: int = 512
    overlong: Literal["truncate", "drop"] = "truncate"
    dtype: Literal["float32", "bfloat16"] = "float32"
    autocast: Literal["none", "bf16"] = "none"
    attn_implementation: Literal["auto", "sdpa", "eager", "flash_attention_2"] = "auto"
    gradient_checkpointing: bool = False
    deepspeed: str | None = None
    threads: int = 0  # torch intra-op threads (0 = leave torch's default)
    run_name: str | None = None
    data: DataConfig = field(default_factory=DataConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    injection: StageConfig = field(default_factory=StageConfig)
    infusion: StageConfig = field(default_factory=StageConfig)
    name: str = ""  # filled from the file name
    source: str = ""  # the file it came from

    def stage(self, stage: str) -> StageConfig:
        """The settings of ``stage`` (``injection`` or ``infusion``)."""
        return getattr(self, stage)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (recorded in the run card)."""
        return dataclasses.asdict(self)


def config_path(name_or_path: str) -> Path:
    """Resolve a bare config name (``cpu-tiny``) or a path to an existing file."""
    if "/" not in name_or_path and not name_or_path.endswith(CONFIG_SUFFIXES):
        for suffix in CONFIG_SUFFIXES:
            candidate = CONFIG_DIR / f"{name_or_path}{suffix}"
            if candidate.is_file():
                return candidate
        known = sorted({p.stem for p in CONFIG_DIR.iterdir() if p.suffix in CONFIG_SUFFIXES})
        raise UserError(f"config '{name_or_path}': no such config in {CONFIG_DIR}; known: {', '.join(known)}")
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        raise UserError(f"config '{name_or_path}': file not found")
    return path


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise UserError(f"{path}: not UTF-8 text (byte {err.start}); save the config as UTF-8") from None
    except OSError as err:
        raise UserError(f"{path}: cannot read ({err.strerror})") from None
    try:
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as err:  # yaml.YAMLError / TOMLDecodeError: say which file, in one line
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise UserError(f"{path}: not valid {path.suffix.lstrip('.').upper()} ({first})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"{path}: the top level must be a mapping of keys to values")
    return data


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return " | ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if origin is list:
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    return "null" if tp is type(None) else getattr(tp, "__name__", str(tp))


def _convert(value: Any, tp: Any, where: str, path: Path) -> Any:
    origin = typing.get_origin(tp)
    bad = UserError(f"{path}: '{where}' must be {_type_name(tp)}, got {value!r}")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise UserError(f"{path}: '{where}' must be a mapping, got {value!r}")
        return _build(tp, value, path, f"{where}.")
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(value, arg, where, path)
            except UserError:
                continue
        raise bad
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise bad
        return value
    if origin is list:
        if not isinstance(value, list):
            raise bad
        return [_convert(v, typing.get_args(tp)[0], f"{where}[{i}]", path) for i, v in enumerate(value)]
    if tp is bool:
        if not isinstance(value, bool):
            raise bad
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise bad
        return value
    raise bad  # pragma: no cover - every field type is handled above


def _build(cls: type, raw: dict[str, Any], path: Path, prefix: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.name not in ("name", "source")}
    for key in raw:
        if key not in names:
            raise UserError(f"{path}: unknown key '{prefix}{key}'; allowed here: {', '.join(sorted(names))}")
    return cls(**{k: _convert(v, hints[k], f"{prefix}{k}", path) for k, v in raw.items()})


def check_run_name(name: str, where: str = "--run-name") -> str:
    """Return ``name`` if it is a single safe folder name (:data:`RUN_NAME`), else raise :class:`UserError`."""
    if not isinstance(name, str) or not RUN_NAME.fullmatch(name):
        raise UserError(
            f"{where} {name!r}: a run name is one folder name (letters, digits, '.', '_', '-'; "
            "not starting with '.' or '-'; no '/')"
        )
    return name


def _check_ranges(cfg: TrainConfig, path: Path) -> None:
    def need(ok: bool, key: str, what: str) -> None:
        if not ok:
            raise UserError(f"{path}: '{key}' {what}")

    need(cfg.max_length >= 16, "max_length", "must be at least 16 tokens")
    need(cfg.threads >= 0, "threads", "must be 0 (torch's default) or a positive count")
    if cfg.run_name is not None:
        check_run_name(cfg.run_name, f"{path}: run_name")
    need(cfg.eval.batch_rows >= 1, "eval.batch_rows", "must be at least 1")
    need(
        min(cfg.eval.symbolic_samples, cfg.eval.general_samples, cfg.eval.every_steps) >= 0,
        "eval",
        "counts must not be negative",
    )
    for stage in STAGES:
        s = cfg.stage(stage)
        for key in (
            "lr",
            "warmup_ratio",
            "min_lr_ratio",
            "epochs",
            "weight_decay",
            "max_grad_norm",
            "general_fraction",
        ):
            need(math.isfinite(getattr(s, key)), f"{stage}.{key}", "must be a finite number")
        need(
            all(math.isfinite(b) and 0 <= b < 1 for b in s.adam_betas),
            f"{stage}.adam_betas",
            "must be in [0, 1)",
        )
        need(s.log_every >= 1, f"{stage}.log_every", "must be at least 1 (log every N steps)")
        need(s.lr > 0, f"{stage}.lr", "must be positive")
        need(0 <= s.warmup_ratio < 1, f"{stage}.warmup_ratio", "must be in [0, 1)")
        need(s.epochs > 0 or s.max_steps > 0, f"{stage}.epochs", "or max_steps must be positive")
        need(s.micro_batch_rows >= 1, f"{stage}.micro_batch_rows", "must be at least 1")
        need(s.grad_accum >= 1, f"{stage}.grad_accum", "must be at least 1")
        need(s.global_batch_rows >= 0, f"{stage}.global_batch_rows", "must not be negative")
        need(len(s.adam_betas) == 2, f"{stage}.adam_betas", "must be two numbers")
        need(
            0 <= s.general_fraction < 1,
            f"{stage}.general_fraction",
            "must be in [0, 1) (share of general NL)",
        )
        need(min(s.max_steps, s.train_samples, s.save_every) >= 0, stage, "counts must not be negative")


def load_config(name_or_path: str) -> TrainConfig:
    """Load and validate a config by bare name or path (see module docstring)."""
    path = config_path(name_or_path)
    cfg = _build(TrainConfig, _read(path), path)
    _check_ranges(cfg, path)
    return dataclasses.replace(cfg, name=path.stem, source=str(path))


def grad_accum_for(s: StageConfig, world: int, where: str = "config") -> int:
    """Gradient-accumulation steps for ``world`` ranks (from ``global_batch_rows`` when set)."""
    if not s.global_batch_rows:
        return s.grad_accum
    per_step = s.micro_batch_rows * world
    if s.global_batch_rows % per_step:
        raise UserError(
            f"{where}: global_batch_rows {s.global_batch_rows} is not a multiple of micro_batch_rows "
            f"{s.micro_batch_rows} x {world} processes; change one of them"
        )
    return s.global_batch_rows // per_step


def deepspeed_path(cfg: TrainConfig, override: str | None = None) -> Path | None:
    """The DeepSpeed JSON of a run: ``override`` or ``cfg.deepspeed`` (bare name = configs folder)."""
    name = override if override is not None else cfg.deepspeed
    if not name:
        return None
    if "/" not in name:
        candidate = CONFIG_DIR / (name if name.endswith(".json") else f"{name}.json")
        if candidate.is_file():
            return candidate
    path = Path(name).expanduser()
    if not path.is_absolute() and cfg.source and not path.is_file():
        path = Path(cfg.source).parent / path
    if not path.is_file():
        raise UserError(f"deepspeed config '{name}': file not found (give a path or a name in {CONFIG_DIR})")
    return path
