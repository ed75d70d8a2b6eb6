"""Samples → token ids with response-only labels, through the model's own chat template.

The prompt is rendered with the generation prompt and the full conversation is rendered with
the assistant turn (:func:`symbolcollection.chat.encode_sample`); only the tokens of the
difference — the assistant turn — are labelled. Everything else is ``-100`` (ignored).

Labels are stored already *shifted* as ``targets``: ``targets[i]`` is the token that position
``i`` must predict (``labels[i + 1]``), and the last position predicts nothing. Shifting per
sample, before packing, means a packed row never asks one sample to predict the next one.

Over-long samples (more than ``max_length`` tokens) follow the config's ``overlong`` policy:
``truncate`` keeps the first ``max_length`` tokens (the tail of the response is lost),
``drop`` removes the sample. A sample left with no trainable token (empty response, or
truncated inside its prompt) is dropped. Every case is counted in :class:`EncodeReport`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from symbolcollection.chat import encode_sample
from symbolcollection.schema import Sample
from symbolscope.errors import get_logger

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

log = get_logger(__name__)
IGNORE = -100


@dataclass(frozen=True)
class Example:
    """One tokenized sample. ``input_ids`` and ``targets`` have the same length (≤ max_length)."""

    sample_id: str
    input_ids: list[int]
    targets: list[int]  # shifted labels: token to predict at each position, or -100
    n_trainable: int  # positions whose target is not -100

    def __len__(self) -> int:
        return len(self.input_ids)


@dataclass
class EncodeReport:
    """What happened to the samples: kept, truncated, dropped (and a few ids of each)."""

    total: int = 0
    kept: int = 0
    truncated: int = 0
    dropped_overlong: int = 0
    dropped_no_trainable: int = 0
    overlong_ids: list[str] = field(default_factory=list)
    no_trainable_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts (ids capped at 20 each)."""
        return {
            "total": self.total,
            "kept": self.kept,
            "truncated": self.truncated,
            "dropped_overlong": self.dropped_overlong,
            "dropped_no_trainable": self.dropped_no_trainable,
            "overlong_ids": self.overlong_ids[:20],
            "no_trainable_ids": self.no_trainable_ids[:20],
        }


def response_labels(input_ids: Sequence[int], response_start: int) -> list[int]:
    """Unshifted labels (Hugging Face convention): ``-100`` before ``response_start``, ids after."""
    return [IGNORE] * response_start + list(input_ids[response_start:])


def shift_targets(labels: Sequence[int]) -> list[int]:
    """``targets[i] = labels[i + 1]``; the last position gets ``-100``."""
    return [*labels[1:], IGNORE]


def encode_examples(
    tokenizer: PreTrainedTokenizerBase,
    samples: Sequence[Sample],
    max_length: int,
    overlong: str = "truncate",
) -> tuple[list[Example], EncodeReport]:
    """Tokenize ``samples`` into :class:`Example` s, applying the over-long policy.

    Returns the kept examples (input order) and a report; logs a warning when any sample was
    truncated or dropped, so that nothing is lost silently.
    """
    report = EncodeReport(total=len(samples))
    out: list[Example] = []
    for sample in samples:
        enc = encode_sample(tokenizer, sample)
        ids, labels = list(enc.input_ids), response_labels(enc.input_ids, enc.response_start)
        if len(ids) > max_length:
            report.overlong_ids.append(sample.id)
            if overlong == "drop":
                report.dropped_overlong += 1
                continue
            report.truncated += 1
            ids, labels = ids[:max_length], labels[:max_length]
        targets = shift_targets(labels)
        n = sum(t != IGNORE for t in targets)
        if n == 0:
            report.dropped_no_trainable += 1
            report.no_trainable_ids.append(sample.id)
            continue
        out.append(Example(sample.id, ids, targets, n))
    report.kept = len(out)
    if report.truncated or report.dropped_overlong or report.dropped_no_trainable:
        log.warning(
            "%d samples: %d truncated to %d tokens, %d dropped as over-long, %d dropped with no "
            "response token to train on (e.g. %s)",
            report.total,
            report.truncated,
            max_length,
            report.dropped_overlong,
            report.dropped_no_trainable,
            ", ".join((report.no_trainable_ids + report.overlong_ids)[:3]) or "-",
        )
    return out, report
