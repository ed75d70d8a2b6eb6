"""``python -m trainer.report [--runs DIR] [--out results/]``: the training runs as one results file.

Figures read only result files, so this turns every run card
(``runs/<stage>/<name>/symbolscope.json``) and its TensorBoard scalars (``tb/``) into
``results/training/<run-id>.json`` + ``.csv``, one row per value::

    {"stage", "run", "step", "metric", "value", "role", "source", "finished"}

- ``source = "card"``: the card's ``history`` (``train/loss`` and ``train/lr`` per step) and its
  ``validation`` (``val/symbolic``, ``val/general`` per ``role`` = the checkpoint it was measured
  on: ``base`` before Injection, then ``injection``, ``infusion``; ``step`` is null);
- ``source = "tb"``: every other TensorBoard scalar per step (``train/grad_norm``,
  ``train/real_tokens_per_s``, periodic ``val/*``, ...).

``config`` records the runs folder and each card's SHA-256, so the result names what it read.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lm.checkpoints import RUN_CARD
from symbolscope.cli import add_options, option, options_from
from symbolscope.errors import UserError, run_cli
from symbolscope.io import sha256_file
from symbolscope.paths import RESULTS, runs_dir
from symbolscope.reading import read_json
from symbolscope.results import Result
from trainer.config import STAGES

#: The columns of a training row, in CSV order.
COLUMNS = ("stage", "run", "step", "metric", "value", "role", "source", "finished")
#: Metrics the card's ``history`` holds (TensorBoard's copies of them are not repeated).
CARD_METRICS = {"loss": "train/loss", "lr": "train/lr"}


@dataclass(frozen=True)
class ReportConfig:
    """What to report: the runs folder (``None`` = the suite's runs folder) and which run names."""

    runs: str | None = option(None, "runs folder (none: $SYMBOLSCOPE_RUNS, [paths] runs or ./runs)")
    run_names: tuple[str, ...] = option(
        (), "only these run names (a comma list; repeatable)", flag="--run-name", repeat=True
    )
    tensorboard: bool = option(True, "read the run cards only")

    def check(self) -> None:
        """Raise :class:`UserError` if the runs folder is missing."""
        root = Path(self.runs) if self.runs else runs_dir()
        if not root.is_dir():
            raise UserError(
                f"runs folder {root} does not exist; train first ('python -m trainer injection ...')"
            )


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UserError(f"{where}: {value!r} is not a finite number")
    return float(value)


def _read_card(path: Path) -> dict[str, Any]:
    card = read_json(path, "run card", 64 << 20)
    if not isinstance(card, dict) or not isinstance(card.get("history", []), list):
        raise UserError(f"{path}: not a run card (needs an object with a 'history' list)")
    if not isinstance(card.get("validation", {}), dict):
        raise UserError(f"{path}: 'validation' must be an object of role -> losses")
    return card


def card_rows(card: dict[str, Any], stage: str, run: str, where: str) -> list[dict[str, Any]]:
    """Rows of one run card: its per-step history and its validation losses per role."""
    base = {"stage": stage, "run": run, "source": "card", "finished": bool(card.get("finished"))}
    rows = []
    for i, point in enumerate(card.get("history", [])):
        if not isinstance(point, dict) or "step" not in point:
            raise UserError(f"{where}: history entry {i} is not an object with a 'step'")
        step = int(_number(point["step"], f"{where}: history entry {i} step"))
        for key, metric in CARD_METRICS.items():
            if key in point:
                value = _number(point[key], f"{where}: history entry {i} {key}")
                rows.append({**base, "step": step, "metric": metric, "value": value, "role": stage})
    for role, losses in sorted(card.get("validation", {}).items()):
        if not isinstance(losses, dict):
            raise UserError(f"{where}: validation of '{role}' is not an object")
        for kind, value in sorted(losses.items()):
            v = _number(value, f"{where}: validation {role}.{kind}")
            rows.append({**base, "step": None, "metric": f"val/{kind}", "value": v, "role": role})
    return rows


def tb_rows(folder: Path, stage: str, run: str, finished: bool) -> list[dict[str, Any]]:
    """Rows of every TensorBoard scalar in ``folder/tb`` that the card's history does not hold."""
    tb = folder / "tb"
    if not tb.is_dir():
        return []
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    try:
        acc = EventAccumulator(str(tb), size_guidance={"scalars": 0})
        acc.Reload()
        tags = [t for t in acc.Tags().get("scalars", []) if t not in CARD_METRICS.values()]
        events = {tag: acc.Scalars(tag) for tag in sorted(tags)}
    except Exception as err:  # a corrupt event file: name it, never a traceback
        raise UserError(f"{tb}: unreadable TensorBoard events ({type(err).__name__}: {err})") from None
    base = {"stage": stage, "run": run, "source": "tb", "finished": finished, "role": stage}
    return [
        {**base, "step": int(e.step), "metric": tag, "value": float(e.value)}
        for tag, evs in events.items()
        for e in evs
        if math.isfinite(e.value)
    ]


def training_report(config: ReportConfig) -> Result:
    """Every run card under ``<runs>/<stage>/<name>/`` (both stages) as one ``training`` Result.

    Raises :class:`UserError` when there is no run card at all or a card is malformed.
    """
    config.check()
    root = Path(config.runs) if config.runs else runs_dir()
    rows: list[dict[str, Any]] = []
    cards: dict[str, str] = {}
    for stage in STAGES:
        for card_path in sorted((root / stage).glob(f"*/{RUN_CARD}")):
            folder = card_path.parent
            if config.run_names and folder.name not in config.run_names:
                continue
            card = _read_card(card_path)
            rows += card_rows(card, stage, folder.name, str(card_path))
            if config.tensorboard:
                rows += tb_rows(folder, stage, folder.name, bool(card.get("finished")))
            cards[f"{stage}/{folder.name}"] = sha256_file(card_path)
    if not cards:
        wanted = f" named {', '.join(config.run_names)}" if config.run_names else ""
        raise UserError(
            f"no run cards{wanted} in {root}/{{{','.join(STAGES)}}}/*/{RUN_CARD}; "
            "train first ('python -m trainer injection --config NAME')"
        )
    cfg = {**asdict(config), "runs": str(root), "run_names": list(config.run_names), "cards": cards}
    return Result("training", cfg, rows, columns=COLUMNS)


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments: the config's fields and ``--out``."""
    p = argparse.ArgumentParser(prog="python -m trainer.report", description=__doc__.split("\n\n")[0])
    add_options(p, ReportConfig)
    p.add_argument("--out", default=RESULTS, help=f"results folder (default: {RESULTS})")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Write the training report and print where it went."""
    args = build_parser().parse_args(argv)
    config = options_from(ReportConfig, args)
    result = training_report(config)
    json_path, _ = result.save(args.out)
    runs = ", ".join(result.config["cards"])
    print(f"training report: {len(result.rows)} rows from {runs} -> {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
