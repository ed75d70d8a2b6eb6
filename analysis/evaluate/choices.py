"""Log-likelihood of each choice of a multiple-choice question given its context, batched.

The score of a choice is the sum of the log-probabilities of its tokens given the context (the
lm-eval-harness ``loglikelihood`` of a continuation); trailing spaces of the context move to the
continuation, and the continuation's tokens are those of ``tokenize(context + choice)`` after
``tokenize(context)``, as lm-eval-harness does.

All choices of one question share one row and one forward pass (a tree layout): the row is
``context, choice_1, ..., choice_k``; a choice's tokens see the context and their own earlier
tokens only (an additive 4-D mask), and their position ids continue from the context's, so each
choice is scored exactly as in its own ``context + choice`` forward (tested against that
reference), while the context is computed once. Rows are right-padded and batched under a
token budget, longest first; logits are computed only at the positions that predict a choice
token (never ``[B, L, vocab]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


@dataclass(frozen=True)
class Query:
    """A context and the candidate continuations, as token ids (each continuation non-empty)."""

    context: tuple[int, ...]
    choices: tuple[tuple[int, ...], ...]

    def __len__(self) -> int:
        return len(self.context) + sum(len(c) for c in self.choices)


def encode_query(tokenizer: PreTrainedTokenizerBase, context: str, choices: Sequence[str]) -> Query:
    """Tokenize ``context`` (with the tokenizer's special tokens) and each choice after it."""
    stripped = context.rstrip(" ")
    spaces = context[len(stripped) :]
    ctx = list(tokenizer(stripped)["input_ids"])
    if not ctx:  # a context must predict the first choice token
        ctx = [tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id]
    conts = []
    for choice in choices:
        whole = list(tokenizer(stripped + spaces + choice)["input_ids"])
        cont = whole[len(ctx) :] if whole[: len(ctx)] == ctx else []
        if not cont:  # the merge crossed the boundary: tokenize the continuation on its own
            cont = list(tokenizer(spaces + choice, add_special_tokens=False)["input_ids"])
        if not cont:
            raise ValueError(f"choice {choice!r} has no tokens")
        conts.append(tuple(cont))
    return Query(tuple(ctx), tuple(conts))


def _layout(q: Query) -> tuple[list[int], list[int], list[int], list[tuple[int, int]]]:
    """Token ids, position ids, segment ids (0 = context, k = choice k) and each choice's span."""
    ids, pos, seg = list(q.context), list(range(len(q.context))), [0] * len(q.context)
    spans = []
    for k, c in enumerate(q.choices, start=1):
        spans.append((len(ids), len(ids) + len(c)))
        ids += c
        pos += range(len(q.context), len(q.context) + len(c))
        seg += [k] * len(c)
    return ids, pos, seg, spans


def tree_mask(segments: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Additive mask ``[B, 1, L, L]`` from segment ids ``[B, L]`` (-1 = padding).

    ``i`` sees ``j`` iff ``j ≤ i`` and ``j`` is in the context (segment 0) or in ``i``'s own
    segment; a padding position sees only itself (no empty softmax row).
    """
    length = segments.shape[1]
    causal = torch.ones(length, length, dtype=torch.bool).tril()
    sj, si = segments[:, None, :], segments[:, :, None]
    allowed = causal & (si >= 0) & (sj >= 0) & ((sj == 0) | (sj == si))
    allowed |= torch.eye(length, dtype=torch.bool)
    mask = torch.zeros(allowed.shape, dtype=dtype)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask[:, None]


def batches(queries: Sequence[Query], max_tokens: int) -> list[list[int]]:
    """Query indices grouped longest first so that rows × longest row ≤ ``max_tokens``
    (a longer query gets a batch of its own)."""
    order = sorted(range(len(queries)), key=lambda i: -len(queries[i]))
    out: list[list[int]] = []
    for i in order:
        if out and (len(out[-1]) + 1) * len(queries[out[-1][0]]) <= max_tokens:
            out[-1].append(i)
        else:
            out.append([i])
    return out


@torch.no_grad()
def _score_batch(model: Any, queries: Sequence[Query], pad_id: int) -> list[np.ndarray]:
    layouts = [_layout(q) for q in queries]
    width = max(len(ids) for ids, *_ in layouts)
    b = len(queries)
    input_ids = torch.full((b, width), pad_id, dtype=torch.long)
    positions = torch.zeros((b, width), dtype=torch.long)
    segments = torch.full((b, width), -1, dtype=torch.long)
    for r, (ids, pos, seg, _) in enumerate(layouts):
        input_ids[r, : len(ids)] = torch.tensor(ids)
        positions[r, : len(ids)] = torch.tensor(pos)
        segments[r, : len(ids)] = torch.tensor(seg)
    param = next(model.parameters())
    mask = tree_mask(segments, param.dtype).to(param.device)
    hidden = model.base_model(
        input_ids=input_ids.to(param.device), attention_mask=mask, position_ids=positions.to(param.device)
    ).last_hidden_state
    rows, where, targets = [], [], []
    for r, (q, (_, _, _, spans)) in enumerate(zip(queries, layouts, strict=True)):
        for (start, end), c in zip(spans, q.choices, strict=True):
            # the first choice token is predicted by the context's last token, the rest by
            # the choice's own previous token
            rows += [r] * len(c)
            where += [len(q.context) - 1, *range(start, end - 1)]
            targets += c
    logits = model.get_output_embeddings()(hidden[torch.tensor(rows), torch.tensor(where)]).float()
    logp = torch.log_softmax(logits, dim=-1)[torch.arange(len(targets)), torch.tensor(targets)].cpu().numpy()
    out, at = [], 0
    for q in queries:
        sums = []
        for c in q.choices:
            sums.append(float(logp[at : at + len(c)].astype(np.float64).sum()))
            at += len(c)
        out.append(np.array(sums))
    return out


def choice_loglik(
    model: Any, queries: Sequence[Query], *, pad_id: int, max_tokens: int = 4096, progress: bool = False
) -> list[np.ndarray]:
    """Per query, the summed log-probability (nats) of each choice given the context, ``[k]``.

    ``model`` is a causal LM whose ``base_model`` takes a 4-D additive ``attention_mask`` and
    ``position_ids`` and returns ``last_hidden_state`` (Hugging Face decoders with SDPA or eager
    attention), and whose ``get_output_embeddings()`` maps hidden states to logits.
    """
    from tqdm.auto import tqdm

    was_training = model.training
    model.eval()
    results: list[np.ndarray | None] = [None] * len(queries)
    groups = batches(queries, max_tokens)
    try:
        for group in tqdm(groups, desc="multiple choice", unit="batch", disable=not progress):
            for i, scores in zip(
                group, _score_batch(model, [queries[i] for i in group], pad_id), strict=True
            ):
                results[i] = scores
    finally:
        model.train(was_training)
    return [r for r in results if r is not None]
