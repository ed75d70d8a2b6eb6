"""The write side of the activation store: samples, spans, batching, capture, engine, writer, build.

``analysis.extract.run(["base", "ours"], split="analysis", span="symbol", layers="all")`` returns
``{alias: Store}``, extracting what is missing; ``python -m analysis.extract`` is its CLI
(:mod:`analysis.extract.cli`, with ``ls`` and ``rm``).

How (see docs/design.md, "Representations"): samples are cut, in dataset order, into shards; within a
shard they are sorted by token length and batched under a padded token budget
(:mod:`~analysis.extract.batching`); hooks pool every requested layer on the fly and the forward
stops after the deepest one (:mod:`~analysis.extract.capture`, :mod:`~analysis.extract.engine`);
a prompt prefix shared by many samples (the system prompt; a twin's original's prompt) is run
once and its keys and values serve the rest (:mod:`~analysis.extract.prefix`);
each finished shard is written atomically, so memory is bounded by one shard and an interrupted
run resumes (:mod:`~analysis.extract.build`, :mod:`~analysis.extract.writer`). Under ``torchrun``
(``WORLD_SIZE`` > 1) each rank extracts shards ``k % world == rank`` into one partial folder on a
shared filesystem and rank 0 publishes it; the result equals a single-process run.

Layers: 0 = embeddings, 1..L = block outputs *before* the final norm, ``final_norm`` = after it
(HF's ``output_hidden_states`` ``hidden_states[-1]`` is that post-norm state).
"""

from __future__ import annotations

from analysis.extract.api import ensure_store, remove_store, run
from analysis.extract.build import BuildOptions
from analysis.extract.config import ExtractConfig

__all__ = ["BuildOptions", "ExtractConfig", "ensure_store", "remove_store", "run"]
