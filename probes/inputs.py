"""What the probes read besides the vectors: the split's samples aligned to store rows, the
corrupted twins of ``valid``, the targets built from them, and the bag-of-tokens surface matrix."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from analysis.layers import LayerKey
from analysis.store import Store
from probes.fit import check_labels
from probes.targets import Task, depth_tasks, group_ids, label_task, valid_task
from symbolcollection.corrupt import original_of, pretokens
from symbolcollection.schema import Sample
from symbolcollection.splits import DERIVED_SPLITS, SPLITS
from symbolscope.errors import UserError
from symbolscope.reading import json_lines


@dataclass
class CheckpointInputs:
    """One checkpoint's stores and the samples of their rows.

    ``samples`` [n] follow the analysis store's rows; ``twins`` [m] are the corrupted twins kept,
    ``twin_rows`` [m] their rows in ``valid_store`` and ``twin_of`` [m] their originals' rows in
    ``store``. Vectors for the ``valid`` target are ``store`` rows then ``valid_store[twin_rows]``.
    """

    alias: str
    store: Store
    samples: list[Sample]
    valid_store: Store | None = None
    twins: list[Sample] = field(default_factory=list)
    twin_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    twin_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bag_mismatch: int | None = None
    cpu_seconds: float = 0.0


def split_samples(split: str) -> list[Sample]:
    """The samples of a collection split (``analysis`` with its Symbol-Evol variants) or a JSONL file."""
    if split in SPLITS or split in DERIVED_SPLITS:
        from symbolcollection import load_split

        return load_split(split, include_evol=(split == "analysis"))
    path = Path(split)
    try:
        return [Sample.from_dict(row) for _, row in json_lines(path, "the store's split")]
    except (ValueError, TypeError, AttributeError) as err:
        raise UserError(f"{path}: cannot read the store's split to label its rows ({err})") from None


def _aligned(store: Store) -> list[Sample]:
    """The samples of the store's split in the store's row order (UserError if any is missing)."""
    split = store.manifest["dataset"]["split"]
    by_id = {s.id: s for s in split_samples(split)}
    missing = [i for i in store.sample_ids if i not in by_id]
    if missing:
        raise UserError(
            f"store {store.name}: {len(missing)} rows (first: {missing[0]}) are not in split '{split}'; "
            "the split changed since extraction: re-extract"
        )
    return [by_id[i] for i in store.sample_ids]


def load_inputs(alias: str, store: Store, valid_store: Store | None) -> CheckpointInputs:
    """Align the split's samples (and the twins) to the stores' rows."""
    inputs = CheckpointInputs(alias, store, _aligned(store))
    if valid_store is not None:
        row_of = {sid: i for i, sid in enumerate(store.sample_ids)}
        twins = _aligned(valid_store)
        keep = [j for j, t in enumerate(twins) if original_of(t.id) in row_of]
        inputs.valid_store = valid_store
        inputs.twins = [twins[j] for j in keep]
        inputs.twin_rows = np.array(keep, dtype=np.int64)
        inputs.twin_of = np.array([row_of[original_of(twins[j].id)] for j in keep], dtype=np.int64)
    return inputs


def build_tasks(
    inputs: CheckpointInputs, targets: tuple[str, ...], folds: int
) -> tuple[dict[str, list[Task]], dict[str, str]]:
    """``{target: [Task, ...]}`` and the families the depth target skipped (``{family: reason}``)."""
    store, samples = inputs.store, inputs.samples
    evol = np.array([e is not None for e in store.evol_of], dtype=bool)
    groups = group_ids(store.sample_ids, store.evol_of)
    tasks: dict[str, list[Task]] = {}
    skipped: dict[str, str] = {}
    for target in targets:
        if target in ("family", "task"):
            task = label_task(target, samples, groups, evol)
            check_labels(task.y, folds, f"target {target}")
            tasks[target] = [task]
        elif target == "depth":
            lengths = np.array([len(pretokens(s.output)) for s in samples])
            tasks[target], skipped = depth_tasks(samples, groups, lengths, folds, evol)
            if not tasks[target]:
                raise UserError(
                    f"target depth: no family can be probed ({'; '.join(f'{k}: {v}' for k, v in skipped.items())})"
                )
        elif target == "valid":
            if not len(inputs.twin_of):
                raise UserError(f"target valid: no corrupted twin of any row of store {store.name}")
            task = valid_task(len(samples), inputs.twin_of)
            check_labels(task.y, folds, "target valid")
            tasks[target] = [task]
    return tasks, skipped


def span_text(sample: Sample, span: str) -> str:
    """The text a span covers (``instruction``: the request and its input; otherwise the output)."""
    if span == "instruction":
        return sample.instruction + (f"\n{sample.input}" if sample.input else "")
    return sample.output


def surface_counts(inputs: CheckpointInputs) -> np.ndarray:
    """``[N, V]`` bag-of-token counts of each row's span with the checkpoint's own tokenizer
    (analysis rows, then the twins); records how many twins' bags differ from their original's."""
    from lm.checkpoints import load_tokenizer, resolve

    tok = load_tokenizer(resolve(inputs.alias))
    span = inputs.store.manifest["span"]
    texts = [span_text(s, span) for s in [*inputs.samples, *inputs.twins]]
    ids = tok(texts, add_special_tokens=False)["input_ids"]
    bags = [Counter(row) for row in ids]
    vocab = {t: j for j, t in enumerate(sorted({t for b in bags for t in b}))}
    X = np.zeros((len(bags), max(1, len(vocab))), dtype=np.float32)
    for i, bag in enumerate(bags):
        for t, c in bag.items():
            X[i, vocab[t]] = c
    n = len(inputs.samples)
    inputs.bag_mismatch = sum(bags[n + k] != bags[int(o)] for k, o in enumerate(inputs.twin_of))
    return X


def refuse_nonfinite(X: np.ndarray, name: str, layer: LayerKey, ids: Sequence[str]) -> np.ndarray:
    """``X`` [n, d] as float32, or a :class:`UserError` naming ``name``, ``layer``, how many rows
    hold a NaN or infinite value and the first one's sample id (``ids`` [n])."""
    X = np.asarray(X, dtype=np.float32)
    bad = ~np.isfinite(X).all(axis=1)
    if bad.any():
        raise UserError(
            f"{name}: layer {layer} has non-finite (NaN/inf) vectors in {int(bad.sum())} rows "
            f"(first: {ids[int(np.flatnonzero(bad)[0])]}); remove the store and re-extract"
        )
    return X


def read_layer(store: Store, layer: LayerKey) -> np.ndarray:
    """Layer ``layer`` of ``store`` as ``[n, d]`` float32, refusing NaN or infinite values."""
    return refuse_nonfinite(store.read(layer).vectors, f"store {store.name}", layer, store.sample_ids)


def check_finite(inputs: CheckpointInputs, layers: list[LayerKey]) -> None:
    """Raise :class:`UserError` if any of ``layers`` holds a NaN or infinite vector (one read each)."""
    for layer in layers:
        read_layer(inputs.store, layer)
        if inputs.valid_store is not None:
            read_layer(inputs.valid_store, layer)


def layer_matrix(inputs: CheckpointInputs, layer: LayerKey) -> np.ndarray:
    """``[N, d]``: the analysis rows, then (for ``valid``) the twins' rows."""
    X = read_layer(inputs.store, layer)
    if inputs.valid_store is None:
        return X
    Xv = read_layer(inputs.valid_store, layer)[inputs.twin_rows]
    return np.concatenate([X, Xv], axis=0)
