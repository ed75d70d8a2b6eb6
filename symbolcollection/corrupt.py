"""Corrupted twins for the ``valid`` probe: the split ``analysis-valid``.

For each original (non-Symbol-Evol) sample of the ``analysis`` split, a twin whose output swaps
two of its tokens, so that the *bag of tokens is identical*, kept only when the family's checker
(:func:`symbolcollection.registry.reason`) rejects it. A probe that tells an output from its twin
therefore cannot use which tokens occur, only how they are arranged.

"Tokens" are the pre-tokens of byte-level BPE tokenizers (GPT-2, LLaMA-3, SmolLM2: words with an
optional leading space, digit runs, punctuation runs, whitespace): BPE encodes each pre-token on
its own, so a twin whose pre-token multiset equals the original's has the same BPE token multiset
under such a tokenizer, whatever its merges. Each candidate swap is re-pre-tokenized and kept only
if that multiset is unchanged. For a SentencePiece tokenizer (LLaMA-2) the bag is equal only up to
word-boundary effects; the probes check it with the checkpoint's own tokenizer and report it.

The twins are cached as JSON lines beside the built collection (``derived/analysis-valid.jsonl``,
written atomically), so extraction fingerprints them like any split.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from pathlib import Path

from symbolcollection.schema import Sample
from symbolscope.io import atomic_write_text

VALID_SPLIT = "analysis-valid"
#: Suffix of a corrupted twin's id (the original's id is the id without it).
CORRUPT_SUFFIX = "~corrupt"
DERIVED_DIR = "derived"
MAX_ATTEMPTS = 40
#: GPT-2 / LLaMA-3 byte-level BPE pre-tokenizer (letters, digits, other, whitespace).
PRETOKEN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def pretokens(text: str) -> list[str]:
    """The byte-level BPE pre-tokens of ``text``, in order (they concatenate back to ``text``)."""
    import regex

    return regex.findall(PRETOKEN, text)


def original_of(twin_id: str) -> str:
    """The id of the sample a corrupted twin was made from."""
    return twin_id.removesuffix(CORRUPT_SUFFIX)


def _candidates(tokens: list[str], rng: random.Random) -> list[tuple[int, int]]:
    """Shuffled index pairs of two non-blank pre-tokens with different text."""
    idx = [i for i, t in enumerate(tokens) if t.strip()]
    pairs = [(a, b) for k, a in enumerate(idx) for b in idx[k + 1 :] if tokens[a] != tokens[b]]
    rng.shuffle(pairs)
    return pairs


def swap_twin(sample: Sample, seed: int = 0, max_attempts: int = MAX_ATTEMPTS) -> Sample | None:
    """A corrupted twin of ``sample`` (two pre-tokens swapped, same pre-token multiset, rejected by
    its family's checker), or None when no swap among ``max_attempts`` qualifies."""
    from symbolcollection.registry import reason

    tokens = pretokens(sample.output)
    bag = Counter(tokens)
    digest = hashlib.sha256(f"{seed}:{sample.id}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "little"))
    for a, b in _candidates(tokens, rng)[:max_attempts]:
        swapped = list(tokens)
        swapped[a], swapped[b] = swapped[b], swapped[a]
        output = "".join(swapped)
        if Counter(pretokens(output)) != bag:
            continue
        twin = Sample(
            sample.id + CORRUPT_SUFFIX,
            sample.task,
            sample.family,
            sample.instruction,
            sample.input,
            output,
            sample.source + "+corrupt",
        )
        if reason(twin) is not None:
            return twin
    return None


def make_twins(samples: list[Sample], seed: int = 0, progress: bool = False) -> list[Sample]:
    """The corrupted twin of every sample that has one, in the samples' order."""
    from tqdm import tqdm

    out = []
    for s in tqdm(samples, desc="corrupted twins", unit="sample", disable=not progress):
        twin = swap_twin(s, seed)
        if twin is not None:
            out.append(twin)
    return out


def twins_path(folder: Path) -> Path:
    """Where the ``analysis-valid`` twins of the collection in ``folder`` are cached."""
    return Path(folder) / DERIVED_DIR / f"{VALID_SPLIT}.jsonl"


def load_valid_twins(folder: Path, originals: list[Sample], seed: int = 0) -> list[Sample]:
    """The ``analysis-valid`` split: corrupted twins of ``originals``, made once and cached."""
    path = twins_path(folder)
    if path.is_file():
        try:
            return [Sample.from_dict(json.loads(line)) for line in path.read_text().splitlines() if line]
        except (ValueError, TypeError):
            pass  # a damaged cache is rebuilt below
    twins = make_twins(originals, seed, progress=True)
    atomic_write_text(path, "".join(json.dumps(t.to_dict()) + "\n" for t in twins))
    return twins
