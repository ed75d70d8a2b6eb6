"""Checkpoints: aliases → (model, tokenizer, fingerprint), the embedded models, fingerprints.

``resolve(alias)`` gives a :class:`Checkpoint` (what it is, where its files live, a content
fingerprint); ``load_model`` and ``load_tokenizer`` load it. ``python -m lm.checkpoints``
lists, shows and prepares them (:mod:`lm.checkpoints.cli`).
"""

from lm.checkpoints.registry import (
    BUILTIN,
    RUN_CARD,
    STAGE_OF,
    Checkpoint,
    describe,
    latest_run,
    load,
    load_model,
    load_tokenizer,
    resolve,
)

__all__ = [
    "BUILTIN",
    "RUN_CARD",
    "STAGE_OF",
    "Checkpoint",
    "describe",
    "latest_run",
    "load",
    "load_model",
    "load_tokenizer",
    "resolve",
]
