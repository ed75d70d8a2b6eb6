"""What every figure module shares: reading result files and saving PNG + PDF atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from trainer.data.atomic import publish_mode
from trainer.data.errors import UserError

#: One colour per checkpoint position (base, injection, ours, ...), colour-blind safe.
CKPT_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


def latest_result(results_dir: str | os.PathLike[str], analysis: str) -> Path:
    """The newest ``results/<analysis>/<run-id>.json`` (by modification time)."""
    folder = Path(results_dir) / analysis
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
    if not files:
        raise UserError(f"no result files in {folder}/; run 'python -m analysis.{analysis}' first")
    return files[-1]


def load_result(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a result file and check it has the ``config`` + ``rows`` contract."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise UserError(f"{path}: not a readable result file ({err})") from None
    if not isinstance(data, dict) or "rows" not in data or "config" not in data:
        raise UserError(f"{path}: not a symbolscope result file (needs 'config' and 'rows')")
    return data


def save_figure(fig: Figure, out_dir: str | os.PathLike[str], name: str) -> list[Path]:
    """Save ``fig`` as ``<out_dir>/<name>.png`` (150 dpi) and ``.pdf``, each written atomically."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for ext in ("png", "pdf"):
        final = out_dir / f"{name}.{ext}"
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=f".{ext}", dir=out_dir)
        os.close(fd)
        try:
            fig.savefig(tmp, dpi=150, bbox_inches="tight", format=ext)
            os.chmod(tmp, publish_mode())
            os.replace(tmp, final)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        written.append(final)
    plt.close(fig)
    return written


def ckpt_order(rows: list[dict[str, Any]]) -> list[str]:
    """Checkpoint aliases in the order they first appear (the first is the comparison's baseline)."""
    seen: list[str] = []
    for r in rows:
        if r["ckpt"] not in seen:
            seen.append(r["ckpt"])
    return seen


def layer_key(layer: int | str) -> float:
    """Sort key placing ``final_norm`` after every integer layer."""
    return float("inf") if layer == "final_norm" else float(layer)
