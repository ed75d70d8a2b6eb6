"""What a running stage shows and records (rank 0 only): a tqdm bar with loss and tokens/s,
TensorBoard scalars under ``<run>/tb`` and one JSON line per step in ``<run>/metrics.jsonl``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from symbolscope.distributed import DistInfo
from symbolscope.io import disk_write

TB_DIR = "tb"
METRICS = "metrics.jsonl"


def truncate_metrics(path: Path, step: int) -> None:
    """Keep only the lines of ``metrics.jsonl`` up to ``step`` (a resume replays the steps after it)."""
    if not path.is_file():
        return
    kept = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            if int(json.loads(line)["step"]) <= step:
                kept.append(line + "\n")
        except (ValueError, KeyError, TypeError, RecursionError):
            continue  # a torn last line from a kill
    path.write_text("".join(kept), encoding="utf-8")


class Progress:
    """Progress bar and scalar logs of one run; every method is a no-op off rank 0."""

    def __init__(
        self, folder: Path, dist: DistInfo, total: int, start: int, desc: str, log_every: int = 1
    ) -> None:
        self.on = dist.main
        self.bar = self.writer = None
        self.folder, self.total, self.log_every = folder, total, max(1, log_every)
        if not self.on:
            return
        truncate_metrics(folder / METRICS, start)
        from torch.utils.tensorboard import SummaryWriter
        from tqdm.auto import tqdm

        self.writer = SummaryWriter(str(folder / TB_DIR))
        self.bar = tqdm(total=total, initial=start, desc=desc, unit="step", dynamic_ncols=True)

    def update(self, point: dict[str, Any]) -> None:
        """Advance one step; ``point`` holds step, loss, lr, real_tokens_per_s, packing_efficiency."""
        if not self.on:
            return
        step = point["step"]
        self.bar.update(1)
        self.bar.set_postfix(loss=f"{point['loss']:.4f}", tok_s=f"{point['real_tokens_per_s']:.0f}")
        if step % self.log_every and step != self.total:
            return
        with disk_write(self.folder / METRICS):
            for key in ("loss", "lr", "real_tokens_per_s", "packing_efficiency", "grad_norm"):
                self.writer.add_scalar(f"train/{key}", point[key], step)
            with open(self.folder / METRICS, "a") as fh:
                fh.write(json.dumps(point) + "\n")

    def scalars(self, prefix: str, values: dict[str, float | None], step: int) -> None:
        """Log named scalars (e.g. validation losses) at ``step``."""
        if not self.on:
            return
        for key, value in values.items():
            if value is not None:
                self.writer.add_scalar(f"{prefix}/{key}", value, step)

    def close(self) -> None:
        """Close the bar (the writer stays open for the final scalars)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def finish(self) -> None:
        """Flush and close everything."""
        self.close()
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()
            self.writer = None
