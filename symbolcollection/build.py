"""Build the embedded Symbolic Collection: run every task generator, check every candidate with
its family's checker (a failing sample is left out and counted in the card), drop repeated
outputs (counted), assign splits by output hash, add Symbol-Evol variants, add the general-NL
set, and store it all atomically under ``<home>/data/symbolic-s<seed>-<key>``."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import inspect
import multiprocessing
import os
import platform
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symbolcollection.config import DEFAULTS
from symbolcollection.fingerprint import dataset_fingerprint, output_hash
from symbolcollection.schema import Sample
from symbolscope import codehash
from symbolscope.errors import UserError, get_logger
from symbolscope.io import atomic_dir, atomic_write_json, sha256_file
from symbolscope.paths import data_dir
from symbolscope.sources import available, get, missing_line, record

log = get_logger(__name__)
BUILD_VERSION = "1"
CANDIDATE_FACTOR = 4
MIN_TASK_SIZE = 8
#: distributions whose versions every card records (each family adds its own: ``Family.packages``)
PACKAGES = ("datasets",)


@dataclass(frozen=True)
class TaskResult:
    """What one task produced: kept drafts, and the candidates its checker rejected."""

    name: str
    kept: list[Any]
    repeated: int
    rejected: int
    reasons: list[str]
    candidates: int


#: Modules whose code cannot change the collection's content (messages, paths): not in its key.
NOT_CONTENT_CODE = ("symbolscope.errors", "symbolscope.paths")


def scale_from_env() -> float:
    """``$SYMBOLSCOPE_DATA_SCALE`` (default 1): a fraction of every task's size, for quick test builds."""
    raw = os.environ.get("SYMBOLSCOPE_DATA_SCALE", "1")
    try:
        scale = float(raw)
    except ValueError:
        raise UserError(
            f"SYMBOLSCOPE_DATA_SCALE={raw!r}: not a number; use a fraction in (0, 1], e.g. 0.1"
        ) from None
    if not 0.0 < scale <= 1.0:
        raise UserError(f"SYMBOLSCOPE_DATA_SCALE={raw}: must be in (0, 1]")
    return scale


@functools.cache
def code_fingerprint() -> str:
    """Hash of the code that decides the collection's content: this module's import closure
    (:func:`symbolscope.codehash.closure`: tasks, checkers, Symbol-Evol, splits, the data sources)."""
    return codehash.fingerprint(__name__, exclude=NOT_CONTENT_CODE)


def collection_dir(
    seed: int = DEFAULTS.seed, evol_share: float = DEFAULTS.evol_share, scale: float = 1.0
) -> Path:
    """The cache folder of the collection built with ``seed``, ``evol_share`` and ``scale`` by this code."""
    absent = ",".join(missing_sources())  # a source added later gives a new folder
    key = f"{code_fingerprint()}:{seed}:{evol_share!r}:{scale!r}" + (f":without:{absent}" if absent else "")
    added = added_families_key()  # a family registered at run time gives a new folder too
    key += f":with:{added}" if added else ""
    key = hashlib.sha256(key.encode()).hexdigest()[:12]
    return data_dir() / f"symbolic-s{seed}-{key}"


def added_families_key() -> str:
    """A hash of the families registered at run time (their code is outside this module's import
    closure): names, tasks and the source files defining their generators, checker and Symbol-Evol
    (the code object when a function has no file); ``""`` when there are none."""
    from symbolcollection import registry

    h = hashlib.sha256()
    for family in registry.added():
        h.update(repr((family.name, [(t.name, t.target, t.needs) for t in family.tasks])).encode())
        for fn in (family.check, family.evolve, family.provenance, *(t.generate for t in family.tasks)):
            if fn is not None:
                h.update(_code_bytes(fn))
    return h.hexdigest() if registry.added() else ""


def _code_bytes(fn: Any) -> bytes:
    """The source file of ``fn``'s module, or its code object's bytecode when it has no file."""
    try:
        path = inspect.getsourcefile(fn)
    except TypeError:
        path = None
    if path and Path(path).is_file():
        return Path(path).read_bytes()
    code = getattr(fn, "__code__", None)
    return code.co_code + repr(code.co_consts).encode() if code is not None else repr(fn).encode()


def missing_sources() -> list[str]:
    """The data sources the collection's tasks read that are not in the cache (sorted)."""
    from symbolcollection import registry

    return sorted({t.needs for _, t in registry.tasks() if t.needs and not available(t.needs)})


def run_task(args: tuple[str, int, float]) -> TaskResult:
    """Generate and check one task's samples (runs in a worker process)."""
    from symbolcollection import registry
    from symbolcollection.registry import reason

    name, seed, scale = args
    spec = next(t for _, t in registry.tasks() if t.name == name)
    target = max(MIN_TASK_SIZE, round(spec.target * scale))
    drafts = spec.generate(random.Random(f"{seed}:{name}"), target * CANDIDATE_FACTOR)
    kept, reasons, seen, rejected, repeated = [], [], set(), 0, 0
    for d in drafts:
        if len(kept) >= target:
            break
        key = output_hash(d.output)
        if key in seen:
            repeated += 1
            continue
        seen.add(key)
        why = reason(Sample("?", d.task, d.family, d.instruction, d.input, d.output, d.source))
        if why is None:
            kept.append(d)
        else:
            rejected += 1
            if len(reasons) < 3:
                reasons.append(why)
    return TaskResult(name, kept, repeated, rejected, reasons, len(drafts))


def _run_all(names: Sequence[str], seed: int, workers: int, scale: float) -> list[TaskResult]:
    from tqdm import tqdm

    from symbolcollection import registry

    # the slowest tasks first, so that two workers finish together; results come back by name
    slow = {t.name for _, t in registry.tasks() if t.slow}
    jobs = sorted(((n, seed, scale) for n in names), key=lambda j: (j[0] not in slow, j[0]))
    if workers <= 1:
        done = [run_task(j) for j in tqdm(jobs, desc="tasks", unit="task")]
    else:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers) as pool:
            done = list(tqdm(pool.imap_unordered(run_task, jobs), total=len(jobs), desc="tasks", unit="task"))
    by_name = {r.name: r for r in done}
    return [by_name[n] for n in names]


def _evolve_split(
    samples: Sequence[Sample], rate: float, rng: random.Random, taken: set[str], stats: Counter[str]
) -> list[Sample]:
    from symbolcollection.evol import EvolFailed, can_evolve, evolve

    out = []
    for s in samples:
        if not can_evolve(s) or rng.random() >= rate:
            continue
        try:
            e = evolve(s, rng)
        except EvolFailed as err:
            stats[f"failed: {str(err)[:60]}"] += 1
            continue
        key = output_hash(e.output)
        if key in taken:
            stats["failed: collides with an existing output"] += 1
            continue
        taken.add(key)
        out.append(e)
    return out


def _provenance(samples: Sequence[Sample]) -> dict[str, Any]:
    """What the card records about where the samples come from: each family's files (sha256) and
    entries (:attr:`~symbolcollection.family.Family.provenance`), the data sources, package versions."""
    from symbolcollection import registry

    files: dict[str, Path] = {}
    entries: dict[str, Any] = {}
    for family in registry.families():
        if family.provenance is not None:
            got = dict(family.provenance([s for s in samples if s.family == family.name]))
            files |= got.pop("files", {})
            entries |= got
    out: dict[str, Any] = {"files": {k: sha256_file(v) for k, v in sorted(files.items())}}
    out["sources"] = record(sorted({t.needs for _, t in registry.tasks() if t.needs}))
    out |= entries
    versions = {}
    packages = [p for f in registry.families() for p in f.packages] + list(PACKAGES)
    for pkg in dict.fromkeys(packages):
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    out["packages"] = versions
    out["python"] = platform.python_version()
    return out


def _keep_unique(
    specs: list[tuple[str, Any]], results: list[Any], taken: set[str]
) -> tuple[list[Sample], dict[str, int], dict[str, Any]]:
    """The generated samples in task order, each output once across the collection (``taken``
    collects their hashes); their shell indexes by id; each task's card entry."""
    samples: list[Sample] = []
    templates: dict[str, int] = {}
    tasks_card: dict[str, Any] = {}
    for (family, spec), res in zip(specs, results, strict=True):
        dup = 0
        kept = []
        for d in res.kept:
            key = output_hash(d.output)
            if key in taken:
                dup += 1
                continue
            taken.add(key)
            kept.append(d)
        for i, d in enumerate(kept):
            s = Sample(f"{spec.name}-{i:04d}", d.task, d.family, d.instruction, d.input, d.output, d.source)
            samples.append(s)
            templates[s.id] = d.template
        if res.rejected or dup:
            log.warning(
                "%s: %d candidate(s) failed the %s checker, %d repeated another task's output; left out",
                spec.name,
                res.rejected,
                family,
                dup,
            )
        tasks_card[spec.name] = {
            "family": family,
            "source": spec.source,
            "licence": spec.licence,
            "samples": len(kept),
            "candidates_generated": res.candidates,
            "rejected_by_checker": res.rejected,
            "rejection_examples": res.reasons,
            "repeated_outputs_skipped": res.repeated,
            "cross_task_duplicates": dup,
            "instruction_templates": len({d.template for d in kept}),
        }
    return samples, templates, tasks_card


def _evolve_splits(
    splits: dict[str, list[Sample]], seed: int, evol_share: float, taken: set[str], templates: dict[str, int]
) -> tuple[dict[str, list[Sample]], float, Counter[str]]:
    """The splits plus their Symbol-Evol variants (``evol_<split>``: all of analysis, ``evol_share``
    of train and test); the rate used for train/test and the evolution counts."""
    from symbolcollection import registry

    rng = random.Random(f"{seed}:evol")
    evol_stats: Counter[str] = Counter()
    evolving = {f.name for f in registry.families() if f.evolve is not None}
    eligible = sum(1 for k in ("train", "test") for s in splits[k] if s.family in evolving)
    rate = min(1.0, evol_share * (len(splits["train"]) + len(splits["test"])) / max(eligible, 1))
    stored: dict[str, list[Sample]] = dict(splits)
    for k in ("train", "analysis", "test"):
        stored[f"evol_{k}"] = _evolve_split(
            splits[k], 1.0 if k == "analysis" else rate, rng, taken, evol_stats
        )
        for e in stored[f"evol_{k}"]:
            templates[e.id] = templates[e.id.removesuffix("~evol")]
    return stored, rate, evol_stats


def build_collection(
    out_dir: Path,
    seed: int = DEFAULTS.seed,
    evol_share: float = DEFAULTS.evol_share,
    workers: int = DEFAULTS.workers,
    scale: float = 1.0,
) -> dict[str, Any]:
    """Build the collection into ``out_dir``; return its card. ``scale`` shrinks every task (and
    the analysis split) for quick test builds."""
    from symbolcollection import registry
    from symbolcollection.general import general_samples, general_split
    from symbolcollection.splits import ANALYSIS_PER_FAMILY, assign_splits
    from symbolcollection.store import CARD_FILE, save_splits
    from symbolcollection.tasks import SHELLS

    if not 0.0 <= evol_share <= 1.0:
        raise UserError(f"--evol-share {evol_share}: must be a fraction in [0, 1], e.g. 0.06")
    t0 = time.perf_counter()
    absent = missing_sources()
    specs = [(f.name, t) for f, t in registry.tasks() if t.needs not in absent]
    for name in absent:  # one line each, naming the source, what is missing and how to provide it
        log.warning("%s", missing_line(get(name), "is not in the cache"))
    results = _run_all([t.name for _, t in specs], seed, workers, scale)
    taken: set[str] = set()
    samples, templates, tasks_card = _keep_unique(specs, results, taken)
    splits = assign_splits(samples, max(4, round(ANALYSIS_PER_FAMILY * scale)))
    stored, rate, evol_stats = _evolve_splits(splits, seed, evol_share, taken, templates)
    general = general_samples(seed, limit=max(50, round(general_limit() * scale)))
    stored["general_train"] = [s for s in general if general_split(s) == "train"]
    stored["general_test"] = [s for s in general if general_split(s) == "test"]
    save_splits(out_dir, stored, templates)
    per_family: dict[str, dict[str, int]] = defaultdict(dict)
    for k in ("train", "analysis", "test", "evol_train", "evol_analysis", "evol_test"):
        for fam, n in sorted(Counter(s.family for s in stored[k]).items()):
            per_family[fam][k] = n
    card = {
        "name": "symbolscope embedded Symbolic Collection",
        "build_version": BUILD_VERSION,
        "seed": seed,
        "scale": scale,
        "evol_share": evol_share,
        "evol_rate_train_test": round(rate, 6),
        "code_fingerprint": code_fingerprint(),
        "counts": {k: len(v) for k, v in stored.items()},
        "families": dict(sorted(per_family.items())),
        "tasks": tasks_card,
        "shells": list(SHELLS),
        "evol": dict(sorted(evol_stats.items())),
        "fingerprints": {k: dataset_fingerprint(v) for k, v in stored.items()},
        "provenance": _provenance(samples),
    }
    atomic_write_json(out_dir / CARD_FILE, card)
    log.info(
        "built %d symbolic + %d evolved + %d general samples in %.1fs",
        len(samples),
        sum(len(stored[f"evol_{k}"]) for k in ("train", "analysis", "test")),
        len(general),
        time.perf_counter() - t0,
    )
    return card


def general_limit() -> int:
    """How many general-NL samples a full-scale build holds."""
    from symbolcollection.general import DEFAULT_LIMIT

    return DEFAULT_LIMIT


def ensure_built(
    seed: int = DEFAULTS.seed,
    evol_share: float = DEFAULTS.evol_share,
    force: bool = DEFAULTS.force,
    workers: int = DEFAULTS.workers,
    scale: float | None = None,
) -> Path:
    """The collection's folder, building it first (atomically) if missing or ``force``.
    ``scale`` defaults to ``$SYMBOLSCOPE_DATA_SCALE`` (1 = full size)."""
    scale = scale_from_env() if scale is None else scale
    final = collection_dir(seed, evol_share, scale)
    if final.exists() and not force:
        return final
    try:
        with atomic_dir(final, replace=force) as tmp:
            build_collection(tmp, seed, evol_share, workers, scale)
        from symbolcollection.store import forget

        forget()
    except FileExistsError:
        log.info("%s was built concurrently by another process; using it", final)
    except PermissionError as err:
        raise UserError(
            f"cannot write the collection under {final.parent} ({err.strerror}); set SYMBOLSCOPE_HOME to a writable folder"
        ) from None
    return final
