"""The samples of each stage: train set (symbolic, or the symbolic:general mix) and validation sets.

``data.collection: embedded`` reads the Symbolic Collection through ``symbolcollection``
(``load_split``/``load_general``); any other value is a folder with four JSONL files of
samples: ``symbolic_train.jsonl``, ``symbolic_test.jsonl``, ``general_train.jsonl``,
``general_test.jsonl``. Injection trains on the symbolic train split (with its Symbol-Evol
variants when ``include_evol``); Infusion on a seeded mix of symbolic and general train samples
holding a ``general_fraction`` share of general samples (:func:`symbolcollection.mixing.mix`: the
symbolic samples once each, the general ones up- or down-sampled to fit). Validation always uses the held-out ``test`` splits.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from symbolcollection.fingerprint import dataset_fingerprint
from symbolcollection.mixing import mix
from symbolcollection.schema import NL_FAMILY, Sample
from symbolscope.errors import UserError
from trainer.config import TrainConfig

FILES = ("symbolic_train", "symbolic_test", "general_train", "general_test")


@dataclass(frozen=True)
class StageData:
    """Training samples of a stage and the two validation sets."""

    train: list[Sample]
    val_symbolic: list[Sample]
    val_general: list[Sample]
    n_symbolic: int
    n_general: int
    general_fraction: float | None  # share of general-NL samples in the mix; None for Injection
    source: str

    def fingerprints(self) -> dict[str, str]:
        """Content hashes of the three sample lists (order included)."""
        return {
            "train": dataset_fingerprint(self.train),
            "val_symbolic": dataset_fingerprint(self.val_symbolic),
            "val_general": dataset_fingerprint(self.val_general),
        }


def read_jsonl(path: Path) -> list[Sample]:
    """Samples from a JSONL file; a missing file or a malformed row is a :class:`UserError`."""
    if not path.is_file():
        raise UserError(f"data set {path}: file not found; build it or point data.collection elsewhere")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise UserError(
            f"data set {path}: not UTF-8 (byte offset {err.start}); convert it to UTF-8"
        ) from None
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not row.get("output"):
                raise ValueError("needs at least 'instruction' and 'output'")
            out.append(Sample.from_dict({"id": f"{path.stem}-{n}", **row}))
        except (ValueError, RecursionError) as err:
            raise UserError(f"{path}:{n}: not a sample ({type(err).__name__}: {str(err)[:120]})") from None
    if not out:
        raise UserError(f"data set {path}: no samples")
    return out


def _load(cfg: TrainConfig, which: str) -> list[Sample]:
    data = cfg.data
    if data.collection != "embedded":
        folder = Path(data.collection).expanduser()
        if not folder.is_absolute() and cfg.source:
            folder = Path(cfg.source).parent / folder
        if not folder.is_dir():
            raise UserError(f"data.collection '{data.collection}': folder {folder} not found")
        samples = read_jsonl(folder / f"{which}.jsonl")
        if data.families and which.startswith("symbolic"):
            samples = [s for s in samples if s.family in data.families]
        return samples
    try:
        from symbolcollection import collection
    except ImportError as err:
        raise UserError(
            f"the embedded Symbolic Collection is not available ({err}); set data.collection to a folder"
        ) from None
    kind, split = which.split("_")
    if kind == "symbolic":
        evol = data.include_evol and split == "train"
        return collection.load_split(split, families=data.families, seed=data.seed, include_evol=evol)
    return collection.load_general(split, seed=data.seed)


def _take(samples: list[Sample], n: int, seed: str) -> list[Sample]:
    """A seeded random subset of ``n`` samples (all, shuffled, if ``n`` is 0 or too big)."""
    out = list(samples)
    random.Random(seed).shuffle(out)
    return out[:n] if n else out


def stage_data(cfg: TrainConfig, stage: str) -> StageData:
    """Load the train and validation samples of ``stage`` as the config says."""
    s = cfg.stage(stage)
    seed = cfg.data.seed
    symbolic = _load(cfg, "symbolic_train")
    val_sym = _take(_load(cfg, "symbolic_test"), cfg.eval.symbolic_samples, f"val-sym:{seed}")
    val_gen = _take(_load(cfg, "general_test"), cfg.eval.general_samples, f"val-gen:{seed}")
    if stage == "injection":
        train = _take(symbolic, s.train_samples, f"train:{seed}")
        return StageData(train, val_sym, val_gen, len(train), 0, None, cfg.data.collection)
    general = _load(cfg, "general_train")
    frac = s.general_fraction
    n_sym = round(s.train_samples * (1 - frac)) if s.train_samples else len(symbolic)
    symbolic = _take(symbolic, max(1, n_sym), f"mix-sym:{seed}")
    mixed = mix(symbolic, _take(general, 0, f"mix-gen:{seed}"), frac, seed)
    n_gen = sum(1 for x in mixed if x.family == NL_FAMILY)
    return StageData(mixed, val_sym, val_gen, len(mixed) - n_gen, n_gen, frac, cfg.data.collection)
