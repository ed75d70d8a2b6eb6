"""Multiple choice with a shared prompt prefix and one-token choices: one forward per question.

Every MMLU prompt of a topic starts with the same description and shots. Each question is
tokenized whole, exactly as the plain scorer does (:func:`analysis.evaluate.choices.encode_query`:
lm-eval's context and continuation tokens), and the longest token prefix the questions of a group
share is run once; its KV cache is then expanded over a batch of questions, so each question
costs only its own tokens (positions continue from the prefix; the questions are left-padded
after the prefix, the padding masked out). When every choice of a question is one token (`` A``
.. `` D`` for byte-level BPE tokenizers), the log-probability of each choice is read from the
logits at the question's last position: the same number as a forward of ``context + choice``.
A question with a choice of several tokens goes to the tree scorer
(:func:`analysis.evaluate.choices.choice_loglik`) instead, with its full context.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from analysis.evaluate.choices import Query, choice_loglik
from lm.kvcache import cache_argument
from lm.kvcache import common_prefix as shared_prefix


def common_prefix(contexts: Sequence[Sequence[int]]) -> int:
    """Length of the longest token prefix shared by all ``contexts``, leaving each at least one
    token of its own (its last token predicts the choice)."""
    return shared_prefix(contexts, [len(c) - 1 for c in contexts])


def batches(lengths: Sequence[int], prefix: int, max_tokens: int) -> list[list[int]]:
    """Indices grouped longest first so that rows × (prefix + longest) ≤ ``max_tokens`` (the
    expanded cache and the new tokens); a question that does not fit alone gets its own batch."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    out: list[list[int]] = []
    for i in order:
        if out and (len(out[-1]) + 1) * (prefix + lengths[out[-1][0]]) <= max_tokens:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _prefill(model: Any, ids: Sequence[int]) -> Any:
    """The KV cache of ``ids`` (one row)."""
    from transformers import DynamicCache

    cache = DynamicCache(config=model.config)
    model(
        input_ids=torch.tensor([list(ids)]),
        use_cache=True,
        logits_to_keep=1,
        **{cache_argument(model): cache},
    )
    return cache


def _expanded(model: Any, cache: Any, rows: int) -> Any:
    """A fresh cache holding ``cache``'s keys and values repeated over ``rows`` rows."""
    from transformers import DynamicCache

    out = DynamicCache(config=model.config)
    for idx, layer in enumerate(cache.layers):
        out.update(layer.keys.expand(rows, -1, -1, -1), layer.values.expand(rows, -1, -1, -1), idx)
    return out


def _last_logprobs(
    model: Any, cache: Any, prefix: int, suffixes: Sequence[Sequence[int]], pad: int
) -> torch.Tensor:
    """Log-probabilities ``[B, V]`` of the next token after each ``prefix + suffix``."""
    rows, width = len(suffixes), max(len(s) for s in suffixes)
    ids = torch.full((rows, width), pad, dtype=torch.long)
    mask = torch.ones((rows, prefix + width), dtype=torch.long)
    positions = torch.zeros((rows, width), dtype=torch.long)
    for r, s in enumerate(suffixes):
        ids[r, width - len(s) :] = torch.tensor(list(s))
        mask[r, prefix : prefix + width - len(s)] = 0
        positions[r, width - len(s) :] = torch.arange(prefix, prefix + len(s))
    kv = _expanded(model, cache, rows) if prefix else None
    extra = {cache_argument(model): kv} if kv is not None else {}
    out = model(
        input_ids=ids,
        attention_mask=mask,
        position_ids=positions,
        use_cache=kv is not None,
        logits_to_keep=1,
        **extra,
    )
    return torch.log_softmax(out.logits[:, -1].double(), dim=-1)


def one_token(query: Query) -> bool:
    """Whether every choice of ``query`` is a single token (the fast path applies)."""
    return all(len(c) == 1 for c in query.choices)


@torch.inference_mode()
def _group(model: Any, queries: Sequence[Query], pad: int, max_tokens: int) -> list[np.ndarray]:
    prefix = common_prefix([q.context for q in queries])
    cache = _prefill(model, queries[0].context[:prefix]) if prefix else None
    out: list[np.ndarray | None] = [None] * len(queries)
    suffixes = [q.context[prefix:] for q in queries]
    for batch in batches([len(s) for s in suffixes], prefix, max_tokens):
        logp = _last_logprobs(model, cache, prefix, [suffixes[i] for i in batch], pad)
        for r, i in enumerate(batch):
            out[i] = np.array([float(logp[r, c[0]]) for c in queries[i].choices])
    return [o for o in out if o is not None]


def shared_prefix_loglik(
    model: Any,
    groups: Sequence[Sequence[Query]],
    *,
    pad_id: int,
    max_tokens: int = 8192,
    progress: bool = False,
) -> list[list[np.ndarray]]:
    """Per group (questions sharing a prompt prefix, e.g. one MMLU topic), per question, the
    log-probability (nats) of each choice given its context, ``[k]``; equal to one forward of
    ``context + choice`` per choice. ``model``: a Hugging Face causal LM with a ``DynamicCache``."""
    from tqdm.auto import tqdm

    was_training = model.training
    model.eval()
    results: list[list[np.ndarray]] = []
    try:
        for queries in tqdm(groups, desc="multiple choice", unit="group", disable=not progress):
            fast = [i for i, q in enumerate(queries) if one_token(q)]
            slow = [i for i, q in enumerate(queries) if not one_token(q)]
            got: dict[int, np.ndarray] = {}
            if fast:
                got.update(
                    zip(fast, _group(model, [queries[i] for i in fast], pad_id, max_tokens), strict=True)
                )
            if slow:
                scores = choice_loglik(model, [queries[i] for i in slow], pad_id=pad_id)
                got.update(zip(slow, scores, strict=True))
            results.append([got[i] for i in range(len(queries))])
    finally:
        model.train(was_training)
    return results
