"""The executed evaluation as a library function: ``analysis.evaluate.run(aliases, config=Config(...))``.

For each checkpoint: generate answers for the selected held-out samples (or read them from a
predictions file), score the symbolic suite per family and the Symbol+Delegation suite per task
(:mod:`analysis.evaluate.score`), run the general suite — MMLU 5-shot and BBH 0-shot — on the
loaded model (:mod:`analysis.evaluate.general`), and return a :class:`~symbolscope.results.Result` whose rows
are per family/task plus the suite rows and their average (the paper's Symbolic / General /
Symbol+Delegation / average). ``python -m analysis.evaluate`` is its CLI.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from analysis.evaluate import delegation, general, mmlu, score
from analysis.evaluate.checks import Executor
from analysis.evaluate.prompts import extract_answer, finished, prompt_format, prompt_text
from analysis.evaluate.sandbox import Limits, choose_mode, isolation
from analysis.evaluate.selection import select
from symbolcollection import registry
from symbolcollection.schema import Sample
from symbolscope.cli import option
from symbolscope.errors import UserError, get_logger
from symbolscope.results import Result

log = get_logger("analysis.evaluate")
ANALYSIS = "evaluate"  # results/<ANALYSIS>/<run-id>.json (before 2026-12: eval/)
SUITES = ("symbolic", "general", "delegation")
ROW_KEYS = (
    "ckpt",
    "fingerprint",
    "suite",
    "family",
    "task",
    "n",
    "parse_rate",
    "parse_rate_ci",
    "exec_match",
    "exec_match_ci",
    "exact_match",
    "exact_match_ci",
    "accuracy",
    "accuracy_ci",
    "isolation",
)
#: Longest per-program time limit accepted (seconds).
MAX_JOB_SECONDS = 3600.0
INTERVALS = (
    "95% intervals: Wilson score for a family's or task's proportions; percentile bootstrap (1000, "
    "resampling samples within each family/task) for suite averages; the overall average's interval "
    "is the normal approximation from the suites' intervals."
)


#: The General suite's defaults, which the evaluation's options share.
_GENERAL = general.GeneralConfig()


@dataclass(frozen=True)
class Config:
    """Every setting of the evaluation (all recorded in the result's ``config``).

    ``per_family``: samples per symbol family and per delegation task (0 = all of the split);
    ``tasks``: suites to run; ``predictions``: JSONL files scored instead of generating (one per
    checkpoint label); ``max_new_tokens``/``batch_tokens``: generation limits; ``general_per_task``
    (questions per MMLU topic and per BBH task), ``mmlu_shots`` (0..5) and ``nl_per_split``: sizes
    of the general suite; ``bbh``: the BBH folder (None: ``[paths] bbh`` of the settings, or no
    BBH); ``job_seconds``: sandbox time per program; ``allow_unsandboxed``: without a working
    bubblewrap, run generated code with process limits only (else execution-based scores are not run).
    """

    split: str = option("test", "collection split (the held-out test split)")
    per_family: int = option(20, "samples per family and per delegation task (0 = all)")
    tasks: tuple[str, ...] = option(SUITES, "comma-separated suites", choices=SUITES)
    predictions: tuple[str, ...] = option((), "comma-separated JSONL files of {id, prediction}: no model")
    max_new_tokens: int = option(
        128, "longest answer (the longest gold output of the test split is 103 tokens)"
    )
    batch_tokens: int = option(_GENERAL.batch_tokens, "token budget per generation batch")
    general_per_task: int = option(_GENERAL.per_task, "questions per MMLU topic and per BBH task (>= 1)")
    mmlu_shots: int = option(_GENERAL.shots, "MMLU shots, 0..5 (5 as the paper)")
    bbh: str | None = option(None, "BIG-Bench-Hard folder (a checkout or its bbh/); none: [paths] bbh")
    nl_per_split: int = option(_GENERAL.nl_per_split, "held-out NL samples per split for the NL loss")
    seed: int = option(_GENERAL.seed, "seed of the sample order")
    job_seconds: float = option(5.0, "sandbox time limit per program")
    examples: int = option(3, "generations per family in the Markdown report")
    dtype: str = option("float32", "dtype the model is loaded in", cli=False)
    progress: bool = option(True, "no progress bars")
    allow_unsandboxed: bool = option(
        False, "without bubblewrap, run generated code with process limits only (recorded as isolation)"
    )

    def check(self) -> None:
        """Raise :class:`UserError` for a setting outside its domain."""
        unknown = [t for t in self.tasks if t not in SUITES]
        if unknown or not self.tasks:
            raise UserError(
                f"--tasks: unknown suite '{(unknown or [''])[0]}'; choose from {', '.join(SUITES)}"
            )
        if self.per_family < 0 or self.max_new_tokens < 1 or self.batch_tokens < 1:
            raise UserError("--per-family must be >= 0, --max-new-tokens and --batch-tokens >= 1")
        if not 0 < self.job_seconds <= MAX_JOB_SECONDS:
            raise UserError(f"--job-seconds must be > 0 and <= {MAX_JOB_SECONDS:g}, not {self.job_seconds!r}")
        if self.general_per_task < 1:
            raise UserError(f"--general-per-task must be at least 1, not {self.general_per_task}")
        mmlu.check_shots(self.mmlu_shots)

    def general_config(self) -> general.GeneralConfig:
        """The general suite's part of the config."""
        return general.GeneralConfig(
            shots=self.mmlu_shots,
            per_task=self.general_per_task,
            nl_per_split=self.nl_per_split,
            seed=self.seed,
            batch_tokens=self.batch_tokens,
            progress=self.progress,
        )


def _delegation_samples(
    samples: Sequence[Sample], cfg: Config, executor: Executor
) -> tuple[dict[str, list[Sample]], list[str]]:
    """Delegation samples per task, and the samples left out because their gold answer fails a
    ``gold_checked`` check (e.g. pyperplan cannot parse or solve the gold goal within the time
    limit; checked until enough are found)."""
    chosen = select(samples, "delegation", 0, cfg.seed)
    skipped: list[str] = []
    for task, todo in chosen.items():
        check = delegation.check(task)
        if not check.gold_checked:
            continue
        kept: list[Sample] = []
        want = cfg.per_family or len(todo)
        if executor.mode == "none":  # nothing executes: the gold answers cannot be checked
            kept, todo = todo[:want], []
        while todo and len(kept) < want:
            batch, todo = todo[: want - len(kept)], todo[want - len(kept) :]
            ok = executor.judge([(s, s.output, check) for s in batch])
            kept += [s for s, good in zip(batch, ok, strict=True) if good]
            skipped += [s.id for s, good in zip(batch, ok, strict=True) if not good]
        chosen[task] = kept
    return {t: v[: cfg.per_family or None] for t, v in chosen.items()}, skipped


def _generate(alias: str, samples: Sequence[Sample], cfg: Config) -> dict[str, Any]:
    """Load ``alias``, generate an answer for every sample; model, tokenizer and facts."""
    from analysis.evaluate.generate import generate
    from lm.checkpoints import load_model, load_tokenizer, resolve

    ckpt = resolve(alias)
    model, tok = load_model(ckpt, cfg.dtype), load_tokenizer(ckpt)
    fmt = prompt_format(tok)
    if fmt != "chat-template":
        log.warning("%s has no chat template: prompts use the plain format (stated in the results)", alias)
    t0 = time.perf_counter()
    gens = generate(
        model,
        tok,
        [prompt_text(tok, s) for s in samples],
        stops=[(lambda text, f=s.family: finished(text, f)) for s in samples],
        max_new_tokens=cfg.max_new_tokens,
        batch_tokens=cfg.batch_tokens,
        progress=cfg.progress,
        desc=f"generate {alias}",
    )
    seconds = time.perf_counter() - t0
    tokens = sum(len(g.token_ids) for g in gens)
    return {
        "model": model,
        "tokenizer": tok,
        "fingerprint": ckpt.fingerprint,
        "prompt_format": fmt,
        "raw": {s.id: g.text for s, g in zip(samples, gens, strict=True)},
        "generate_s": seconds,
        "generated_tokens": tokens,
    }


def _from_file(path: str, samples: Sequence[Sample], split_ids: set[str]) -> dict[str, Any]:
    from analysis.evaluate.predictions import fingerprint, read_predictions

    preds = read_predictions(path)
    wanted = {s.id for s in samples}
    unknown = sorted(set(preds) - split_ids)
    missing = sorted(wanted - set(preds))
    for what, ids in (
        ("unknown ids (not in the split)", unknown),
        ("selected samples without a prediction", missing),
    ):
        if ids:
            log.warning(
                "%s: %d %s: %s%s", path, len(ids), what, ", ".join(ids[:10]), " …" if len(ids) > 10 else ""
            )
    return {
        "fingerprint": fingerprint(path),
        "prompt_format": "predictions file",
        "raw": preds,
        "unknown_ids": unknown,
        "missing_ids": missing,
    }


def _general_rows(
    got: dict[str, Any], cfg: Config, data: general.Data | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """The general suite's rows and per-item records for a loaded model, and its status."""
    if "model" not in got:
        return [], [], "unavailable: needs a model (not run on a predictions file)"
    if data is None or not (data.topics or data.tasks):
        why = data.mmlu_missing if data is not None else "no data"
        return (
            [general.suite_row(None, None, data.bbh_missing if data else "", why)],
            [],
            f"unavailable: {why}",
        )
    rows, items = general.run(got["model"], got["tokenizer"], data, cfg.general_config())
    return rows, items, "ok"


def _suite_rows(
    suite: str, items: Sequence[score.Item], key: str, rules: dict[str, str], seed: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per-group rows (``key`` = ``family`` or ``task``) and the suite row."""
    groups: dict[str, list[score.Item]] = {}
    for it in items:
        groups.setdefault(it.group, []).append(it)
    rows = [
        {"suite": suite, key: g, **score.group_row(v), "scoring": rules.get(g, "")}
        for g, v in sorted(groups.items())
    ]
    return rows, {
        "suite": suite,
        key: "all",
        **score.macro_row(items, seed),
        "scoring": "mean over " + key + "s",
    }


def _checkpoint(
    label: str,
    source: str | None,
    sym: dict[str, list[Sample]],
    dele: dict[str, list[Sample]],
    cfg: Config,
    executor: Executor,
    split_ids: set[str],
    data: general.Data | None,
) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
    """All rows of one checkpoint (or predictions file ``source``), its facts for the config and
    its per-item records (General)."""
    wanted = list({s.id: s for v in (*sym.values(), *dele.values()) for s in v}.values())
    got = _from_file(source, wanted, split_ids) if source else _generate(label, wanted, cfg)
    cap = score.MAX_PREDICTION_CHARS  # a longer answer is scored a failure, never parsed
    raw = {s.id: got["raw"].get(s.id, "") for s in wanted}
    answers = {
        s.id: extract_answer(raw[s.id], s.family) if len(raw[s.id]) <= cap else raw[s.id] for s in wanted
    }
    rows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    suites: dict[str, dict[str, Any]] = {}
    facts: dict[str, Any] = {k: v for k, v in got.items() if k not in ("model", "tokenizer", "raw")}
    facts["over_cap_ids"] = sorted(i for i, t in answers.items() if len(t) > cap)
    if "symbolic" in cfg.tasks:
        t0 = time.perf_counter()
        items = score.score_symbolic([s for v in sym.values() for s in v], answers, executor)
        facts["correct"] = {it.id: it.correct for it in items}
        rules = {f: f"exec: {registry.get(f).exec_rule()}; exact: {registry.get(f).exact_rule}" for f in sym}
        per, suites["symbolic"] = _suite_rows("symbolic", items, "family", rules, cfg.seed)
        rows += [*per, suites["symbolic"]]
        facts["score_symbolic_s"] = time.perf_counter() - t0
    if "delegation" in cfg.tasks:
        t0 = time.perf_counter()
        items = score.score_delegation([s for v in dele.values() for s in v], answers, executor)
        rules = {t: delegation.check(t).rule for t in delegation.tasks()}
        per, suites["delegation"] = _suite_rows("delegation", items, "task", rules, cfg.seed)
        rows += [*per, suites["delegation"]]
        facts["score_delegation_s"] = time.perf_counter() - t0
    if "general" in cfg.tasks:
        t0 = time.perf_counter()
        gen_rows, records, facts["general"] = _general_rows(got, cfg, data)
        rows += gen_rows
        suites["general"] = next(r for r in gen_rows if r.get("task") == "all") if gen_rows else {}
        facts["general_s"] = time.perf_counter() - t0
    rows.append({"suite": "average", "task": "all", **score.average_row(suites)})
    for r in rows:
        r.setdefault("prompt_format", got["prompt_format"])
        r.update(ckpt=label, fingerprint=got["fingerprint"])
    for rec in records:
        rec["ckpt"] = label
    facts["examples"] = {s.id: answers[s.id] for v in sym.values() for s in v[: cfg.examples]}
    facts["raw_examples"] = {s.id: got["raw"].get(s.id, "") for v in sym.values() for s in v[: cfg.examples]}
    return rows, facts, records


def _general_data(cfg: Config, labels: Sequence[tuple[str, str | None]]) -> general.Data | None:
    """The General suite's data (checked now, before any generation), or None when not needed."""
    if "general" not in cfg.tasks or all(source for _, source in labels):
        return None
    data = general.prepare(cfg.bbh, only_suite=cfg.tasks == ("general",))
    for line in (data.mmlu_missing, data.bbh_missing):
        if line:
            log.warning("general suite: %s", line)
    return data


def _labels(aliases: str | Sequence[str], cfg: Config) -> list[tuple[str, str | None]]:
    names = [a.strip() for a in (aliases.split(",") if isinstance(aliases, str) else aliases) if a.strip()]
    if cfg.predictions:
        if names and len(names) != len(cfg.predictions):
            raise UserError("--ckpt: give one label per --predictions file, or none (labels = file names)")
        return [(names[i] if names else Path(p).stem, p) for i, p in enumerate(cfg.predictions)]
    if not names:
        raise UserError("no checkpoints given; give one or more aliases, e.g. base,ours")
    return [(n, None) for n in names]


def run(aliases: str | Sequence[str], *, config: Config | None = None) -> Result:
    """Symbolic, general and Symbol+Delegation scores of each checkpoint (or predictions file).

    Returns a :class:`Result` (analysis ``eval``) with rows :data:`ROW_KEYS` (+ ``scoring``,
    ``prompt_format``) and per-item records ``result.items`` (General); ``result.save("results/")``
    writes ``results/evaluate/<run-id>.json``, ``.csv`` and ``.items.jsonl``. The General suite's data
    are checked before any model runs (:func:`analysis.evaluate.general.prepare`).
    """
    from symbolcollection import dataset_fingerprint, load_split

    cfg = config or Config()
    cfg.check()
    labels = _labels(aliases, cfg)
    data = _general_data(cfg, labels)
    samples = load_split(cfg.split)
    if not samples:
        raise UserError(
            f"split '{cfg.split}' has no samples; build the collection (python -m symbolcollection build)"
        )
    mode, note = choose_mode(cfg.allow_unsandboxed)
    if note:
        log.warning("%s", note)
    executor = Executor(Limits(job_seconds=cfg.job_seconds), mode)
    sym = select(samples, "family", cfg.per_family, cfg.seed) if "symbolic" in cfg.tasks else {}
    dele, skipped = _delegation_samples(samples, cfg, executor) if "delegation" in cfg.tasks else ({}, [])
    rows: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    per_ckpt: dict[str, Any] = {}
    split_ids = {s.id for s in samples}
    try:
        for label, source in labels:
            r, per_ckpt[label], got = _checkpoint(label, source, sym, dele, cfg, executor, split_ids, data)
            rows, items = rows + r, items + got
    finally:
        executor.close()
    for row in rows:
        row["isolation"] = isolation(mode)
    chosen = sorted({s.id for v in (*sym.values(), *dele.values()) for s in v})
    config_out = {
        **asdict(cfg),
        "family_order": list(registry.names()),
        "ckpts": [lbl for lbl, _ in labels],
        "intervals": INTERVALS,
        "dataset_fingerprint": dataset_fingerprint([s for s in samples if s.id in set(chosen)]),
        "sample_ids": chosen,
        "gold_skipped": skipped,
        "checkpoints": per_ckpt,
        "selection_digest": hashlib.sha256("\n".join(chosen).encode()).hexdigest()[:16],
        "isolation": isolation(mode),
        "sandbox_note": note,
        "max_prediction_chars": score.MAX_PREDICTION_CHARS,
        "general_data": data.record() if data is not None else None,
    }
    result = Result(ANALYSIS, config_out, rows, columns=ROW_KEYS)
    result.items = items
    return result
