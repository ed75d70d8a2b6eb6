"""A small deterministic stand-in collection (SQL-like symbolic samples and general NL samples).

Used by the trainer's tests and as a ``data.collection`` folder when the embedded Symbolic
Collection is not wanted: ``python -m trainer.toydata OUT_DIR`` writes the four JSONL files
that :mod:`trainer.sources` reads. Lengths vary on purpose (so packing has work to do).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from symbolcollection.schema import Sample
from symbolscope.io import atomic_write_text

TABLES = ("users", "orders", "items", "cities", "flights", "books")
COLUMNS = ("id", "name", "price", "age", "city", "year", "title", "total")
WORDS = [
    "the",
    "a",
    "model",
    "of",
    "data",
    "river",
    "light",
    "small",
    "green",
    "quick",
    "system",
    "paper",
    "reads",
    "writes",
    "finds",
    "about",
]


def symbolic_sample(rng: random.Random, i: int, split: str) -> Sample:
    """A text-to-SQL sample whose length grows with the number of selected columns."""
    table = rng.choice(TABLES)
    cols = rng.sample(COLUMNS, rng.randint(1, len(COLUMNS)))
    cond = rng.choice(COLUMNS)
    value = rng.randint(0, 999)
    filler = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 40)))
    instruction = f"List the {', '.join(cols)} of every row in {table} whose {cond} exceeds {value}. {filler}"
    output = f"SELECT {', '.join(cols)} FROM {table} WHERE {cond} > {value};"
    return Sample(f"toy-sql-{split}-{i}", "toy-nl2sql", "sql", instruction, "", output, "toydata")


def general_sample(rng: random.Random, i: int, split: str) -> Sample:
    """A general instruction with a plain-English answer."""
    n = rng.randint(3, 30)
    topic = " ".join(rng.choice(WORDS) for _ in range(3))
    answer = " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."
    return Sample(
        f"toy-nl-{split}-{i}", "toy-chat", "nl", f"Say something about {topic}.", "", answer, "toydata"
    )


def build(sizes: dict[str, int] | None = None, seed: int = 0) -> dict[str, list[Sample]]:
    """The four splits; default sizes 200/40/200/40 (train/test × symbolic/general)."""
    sizes = sizes or {"symbolic_train": 200, "symbolic_test": 40, "general_train": 200, "general_test": 40}
    out: dict[str, list[Sample]] = {}
    for name, n in sizes.items():
        rng = random.Random(f"{seed}:{name}")
        make = symbolic_sample if name.startswith("symbolic") else general_sample
        out[name] = [make(rng, i, name) for i in range(n)]
    return out


def write(folder: str | Path, sizes: dict[str, int] | None = None, seed: int = 0) -> Path:
    """Write :func:`build`'s splits as ``<folder>/<split>.jsonl`` (each file atomically)."""
    folder = Path(folder)
    for name, samples in build(sizes, seed).items():
        text = "".join(json.dumps(s.to_dict()) + "\n" for s in samples)
        atomic_write_text(folder / f"{name}.jsonl", text)
    return folder


if __name__ == "__main__":
    print(write(sys.argv[1] if len(sys.argv) > 1 else "toydata"))
