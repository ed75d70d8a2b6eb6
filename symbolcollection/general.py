"""General natural-language instructions for Infusion, from English text that installs with Python:
the reference topics in ``pydoc_data.topics`` and the docstrings of standard-library modules
(read with ``ast``, never imported). They become explain / summarise / answer instructions."""

from __future__ import annotations

import ast
import functools
import random
import re
import sysconfig
from pathlib import Path

from symbolcollection.fingerprint import output_hash
from symbolcollection.schema import NL_FAMILY, Sample

SKIP_MODULES = ("this", "antigravity", "__phello__", "idlelib", "test", "lib2to3", "ensurepip", "turtledemo")
MIN_WORDS, MAX_WORDS = 8, 110
TEST_FRACTION = 0.1
EXPLAIN = ("What does the Python function `{n}` do?", "Explain the purpose of `{n}` from the standard library.",
           "Describe what calling `{n}` does.", "In one paragraph, what is `{n}` for?")  # fmt: skip
MODULE = ("What is the Python module `{n}` for?", "Describe the standard-library module `{n}`.",
          "Give a short overview of the `{n}` module.")  # fmt: skip
SUMMARISE = ("Summarise the following passage in one sentence.", "Give the main point of this text in a sentence.",
             "What is the key idea of the passage below? Answer briefly.")  # fmt: skip
TOPIC = (
    'In Python, what is meant by "{t}"?',
    'Explain the Python concept "{t}".',
    "Briefly, what should I know about {t} in Python?",
)


def _first_paragraph(text: str) -> str:
    para = re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0]
    return " ".join(para.split())


def _ok(text: str) -> bool:
    n = len(text.split())
    return MIN_WORDS <= n <= MAX_WORDS and not text.startswith((">>>", "..", "*"))


def _stdlib_files() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(p for p in root.glob("*.py") if not p.stem.startswith("_") and p.stem not in SKIP_MODULES)


@functools.cache
def docstring_items() -> tuple[tuple[str, str, str], ...]:
    """``(kind, qualified name, first paragraph)`` for documented stdlib modules and public functions."""
    items: list[tuple[str, str, str]] = []
    for path in _stdlib_files():
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        mod = path.stem
        doc = ast.get_docstring(tree)
        if doc and _ok(_first_paragraph(doc)):
            items.append(("module", mod, _first_paragraph(doc)))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                d = ast.get_docstring(node)
                if d and _ok(_first_paragraph(d)):
                    items.append(("function", f"{mod}.{node.name}", _first_paragraph(d)))
    return tuple(items)


@functools.cache
def topic_items() -> tuple[tuple[str, str, str], ...]:
    """``(kind, title, paragraph)`` prose paragraphs from ``pydoc_data.topics``."""
    from pydoc_data.topics import topics

    items: list[tuple[str, str, str]] = []
    for key in sorted(topics):
        text = topics[key]
        lines = text.splitlines()
        title = lines[0].strip() if lines else key
        paras = [p for p in re.split(r"\n\s*\n", text) if p and not p.startswith((" ", "*", "="))]
        for para in paras[1:]:
            flat = " ".join(para.split())
            if _ok(flat) and flat.count(" ") >= 20:
                items.append(("topic", title, flat))
    return tuple(items)


def _first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    return m.group(1) if m else text


DEFAULT_LIMIT = 1600


def general_samples(seed: int = 0, limit: int = DEFAULT_LIMIT) -> list[Sample]:
    """Up to ``limit`` general-NL instruction samples, deterministic from ``seed``."""
    rng = random.Random(f"{seed}:general")
    out: list[Sample] = []
    seen: set[str] = set()
    docs, topics = docstring_items(), topic_items()
    for kind, name, text in docs:
        q = rng.choice(MODULE if kind == "module" else EXPLAIN).format(n=name)
        out.append(Sample("", "explain-stdlib", NL_FAMILY, q, "", text, f"python-stdlib-docstring:{name}"))
    for _kind, title, text in topics:
        if rng.random() < 0.5:
            summary = _first_sentence(text)
            if len(summary.split()) >= MIN_WORDS and summary != text:
                out.append(
                    Sample(
                        "",
                        "summarise-docs",
                        NL_FAMILY,
                        rng.choice(SUMMARISE),
                        text,
                        summary,
                        f"pydoc-topics:{title}",
                    )
                )
                continue
        out.append(
            Sample(
                "",
                "answer-docs",
                NL_FAMILY,
                rng.choice(TOPIC).format(t=title),
                "",
                text,
                f"pydoc-topics:{title}",
            )
        )
    rng.shuffle(out)
    kept: list[Sample] = []
    for s in out:
        key = output_hash(s.output)
        if key in seen:
            continue
        seen.add(key)
        kept.append(s)
        if len(kept) >= limit:
            break
    kept.sort(key=lambda s: (s.task, output_hash(s.output)))
    counts: dict[str, int] = {}
    final = []
    for s in kept:
        i = counts[s.task] = counts.get(s.task, 0) + 1
        final.append(
            Sample(f"{s.task}-{i:05d}", s.task, s.family, s.instruction, s.input, s.output, s.source)
        )
    return final


def general_split(sample: Sample) -> str:
    """``train`` or ``test`` for a general sample, by a hash of its output."""
    return "test" if int(output_hash(sample.output)[:8], 16) / 0xFFFFFFFF < TEST_FRACTION else "train"
