"""Synthetic symbol tables and in-memory symbol stores for the symbol-level tests (no tests here).

``make_table`` writes a :class:`~analysis.symbolstore.SymbolTable` from samples given as lists of
``(symbol, class, concept)``; ``random_samples`` draws such samples from three families sharing two
concepts (optionally with Symbol-Evol variants, one with an extra symbol); ``store_of`` puts random
vectors on a table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.symbolstore import SymbolStore, SymbolTable


def make_table(samples: list[tuple[str, str, str | None, list[tuple[str, str, str | None]]]]) -> SymbolTable:
    """A table from ``[(sample_id, family, evol_of, [(symbol, cls, concept), ...])]``."""
    cols: dict[str, list[Any]] = {k: [] for k in SymbolTable.__dataclass_fields__}
    for sid, fam, evol_of, syms in samples:
        for k, (sym, cls, concept) in enumerate(syms):
            row = dict(sample_id=sid, family=fam, task=f"nl2{fam}", evol_of=evol_of, symbol=sym, cls=cls)
            row |= dict(concept=concept, start=3 * k, end=3 * k + 2, position=k, n_tokens=1, shared=False)
            for key, value in (row | {"token_ids": (k,)}).items():
                cols[key].append(value)
    return SymbolTable.from_columns(cols)


def random_samples(rng: np.random.Generator, n_samples: int = 14, evol: bool = False) -> list[Any]:
    """Samples of 3 families; symbols from a small vocabulary; concepts shared across families."""
    concept_of = dict.fromkeys(("AND", "&", "and"), "conjunction") | dict.fromkeys(("NOT", "!"), "negation")
    vocab = {"sql": "AND NOT SELECT x", "fol": "& ! P x", "py": "and def x y"}
    out = []
    for s in range(n_samples):
        fam = list(vocab)[s % 3]
        syms = [str(v) for v in rng.choice(vocab[fam].split(), size=int(rng.integers(1, 6)))]
        kinds = [(v, "identifier" if v in "xyP" else "keyword", concept_of.get(v)) for v in syms]
        out.append((f"{fam}-{s}", fam, None, kinds))
    if evol:
        for sid, fam, _, syms in list(out[:6]):
            renamed = [("zz" if c == "identifier" else v, c, con) for v, c, con in syms]
            if sid.endswith("3"):
                renamed = [*renamed, (";", "punctuation", None)]  # a different number of symbols: dropped
            out.append((f"{sid}~evol", fam, sid, renamed))
    return out


def store_of(
    table: SymbolTable, rng: np.random.Generator, d: int = 5, layers: tuple[int, ...] = (1,)
) -> SymbolStore:
    return SymbolStore.from_arrays({k: rng.normal(size=(len(table), d)) for k in layers}, table)
