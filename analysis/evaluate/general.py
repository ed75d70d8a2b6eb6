"""The General suite: BIG-bench multiple-choice accuracy per task, and the held-out NL loss.

**Multiple choice** (:func:`general_rows`): ``per_task`` items per task, drawn without
replacement with the run's seed; BIG-bench's zero-shot plain-text prompt (no chat template, see
:mod:`analysis.evaluate.bigbench`); each choice scored by the summed log-probability of its
tokens given the prompt (:mod:`analysis.evaluate.choices`). ``accuracy`` picks the choice with
the highest sum (lm-eval's ``acc``), ``accuracy_norm`` the highest sum per UTF-8 byte of the
choice (lm-eval's ``acc_norm``); an item is right when the pick has the item's best score.
Intervals: 95 % Wilson score intervals over items. ``chance``: the mean over the chosen items
of (correct choices / choices).

**Held-out NL loss** (:func:`nl_loss_row`): mean cross-entropy (nats per token) on the response
tokens of ``per_split`` samples of the collection's ``general_test`` split, rendered through the
checkpoint's chat template and masked exactly as in training (:mod:`trainer.masking`), computed
by the trainer's own validation loss (:func:`trainer.evaluate.validation_loss`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from analysis.evaluate.bigbench import TASKS, Task, load_task
from analysis.evaluate.choices import Query, choice_loglik, encode_query
from analysis.metrics.proportion import wilson_interval
from symbolscope.errors import UserError

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

SUITE = "general"
PROMPT_FORMAT = (
    "bigbench zero-shot plain text: task_prefix + input_prefix + input [+ choices] + output_prefix"
)
SCORING = "sum of choice-token log-probabilities (acc); per UTF-8 byte of the choice (acc_norm)"
CI_METHOD = "wilson 95%"
NL_TASK = "heldout_nl_loss"
#: Sized for ``make reproduce`` (3 checkpoints on 2 CPU cores): ~21k tokens of BIG-bench prompts
#: and choices plus ~3k of held-out NL per checkpoint.
DEFAULT_PER_TASK = 20
DEFAULT_NL_PER_SPLIT = 32


def pick(n_items: int, per_task: int, seed: int, key: str) -> list[int]:
    """``min(per_task, n_items)`` item indices, drawn without replacement, sorted."""
    if per_task < 1:
        raise UserError(f"per_task must be at least 1, not {per_task}")
    return sorted(random.Random(f"{seed}:{key}").sample(range(n_items), min(per_task, n_items)))


def score_items(
    task: Task, chosen: Sequence[int], scores: Sequence[np.ndarray], choice_bytes: Sequence[np.ndarray]
) -> dict[str, Any]:
    """One result row from each chosen item's choice log-likelihoods ``[k]`` and byte lengths ``[k]``."""
    items = [task.items[i] for i in chosen]
    hits = sum(int(np.argmax(s)) in it.correct for it, s in zip(items, scores, strict=True))
    hits_norm = sum(
        int(np.argmax(s / b)) in it.correct for it, s, b in zip(items, scores, choice_bytes, strict=True)
    )
    n = len(items)
    return {
        "suite": SUITE,
        "task": task.name,
        "n": n,
        "accuracy": hits / n,
        "accuracy_ci": list(wilson_interval(hits, n)),
        "accuracy_norm": hits_norm / n,
        "accuracy_norm_ci": list(wilson_interval(hits_norm, n)),
        "chance": float(np.mean([len(it.correct) / len(it.choices) for it in items])),
        "n_choices": float(np.mean([len(it.choices) for it in items])),
        "n_items": len(task.items),
        "ci_method": CI_METHOD,
        "scoring": SCORING,
        "prompt_format": PROMPT_FORMAT,
    }


def general_rows(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    *,
    tasks: Sequence[str] | None,
    per_task: int,
    seed: int,
    progress: bool,
    max_tokens: int = 4096,
) -> list[dict[str, Any]]:
    """One row per BIG-bench task (all chosen tasks when ``tasks`` is None), in ``tasks`` order.

    All tasks' questions are scored together (one forward pass per batch of ``max_tokens``).
    """
    loaded = [load_task(name) for name in (tasks if tasks is not None else TASKS)]
    if not loaded:
        raise UserError("no BIG-bench task chosen")
    plan: list[tuple[Task, list[int]]] = [(t, pick(len(t.items), per_task, seed, t.name)) for t in loaded]
    queries: list[Query] = []
    nbytes: list[np.ndarray] = []
    for task, chosen in plan:
        for i in chosen:
            item = task.items[i]
            queries.append(encode_query(tokenizer, task.prompt(i, seed), item.choices))
            nbytes.append(np.array([max(1, len(c.encode("utf-8"))) for c in item.choices], dtype=float))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    scores = choice_loglik(model, queries, pad_id=int(pad or 0), max_tokens=max_tokens, progress=progress)
    rows, at = [], 0
    for task, chosen in plan:
        k = len(chosen)
        rows.append(score_items(task, chosen, scores[at : at + k], nbytes[at : at + k]))
        at += k
    return rows


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
    from symbolscope.distributed import DistInfo
    from trainer.data import load_general
    from trainer.evaluate import validation_loss
    from trainer.masking import encode_examples

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
    }
