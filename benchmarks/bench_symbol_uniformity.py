"""Benchmark: the whole symbol-level study (same-symbol, concept, evol) at ``make reproduce``'s size.

Run from the repo root: ``.venv/bin/python benchmarks/bench_symbol_uniformity.py [--ckpts 3] [--layers 11]``.

Synthetic in-memory symbol stores shaped like the embedded default's: 760 samples of 19 families,
~34 symbol occurrences each (~26,000 in all), d = 576, 11 layers, plus ~6% Symbol-Evol variants;
each family draws from its own Zipf-distributed vocabulary of 60 symbols; 10 concepts are each
realised in 6-19 families by one symbol of frequency rank 5-14 (the most frequent symbols of a
formal language are its punctuation and brackets), about 15% of all occurrences. Every setting is the study's default (1000 bootstrap
resamples, 1000 pairs per row, uniformity on at most 2000 occurrences); the target is the three
pairings for three checkpoints in <= 2 minutes on 2 cores. Prints one JSON line per pairing and,
last, the total and its ratio to that budget.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

FAMILIES, SAMPLES, PER_SAMPLE, D, VOCAB, CONCEPTS = 19, 760, 34, 576, 60, 10
EVOL_SHARE = 0.06
BUDGET = 120.0  # seconds for the three pairings of base,injection,ours on 2 cores (issue 22)


def synthetic_table(rng: np.random.Generator) -> Any:
    """A symbol table of the embedded default's shape (see the module docstring)."""
    from analysis.symbolstore import SymbolTable

    fams = [f"fam{k:02d}" for k in range(FAMILIES)]
    concept_of = {}
    for c in range(CONCEPTS):
        for f in rng.choice(FAMILIES, size=int(rng.integers(6, FAMILIES + 1)), replace=False):
            concept_of[(fams[f], f"s{c + 5}")] = f"concept{c}"  # symbol c + 5 of the family realises c
    zipf = 1.0 / np.arange(1, VOCAB + 1)
    zipf /= zipf.sum()
    cols: dict[str, list[Any]] = {k: [] for k in SymbolTable.__dataclass_fields__}

    def add(sid: str, fam: str, evol_of: str | None, symbols: list[str]) -> None:
        for k, sym in enumerate(symbols):
            cls = "identifier" if int(sym[1:]) % 3 == 2 else "keyword"
            row = dict(sample_id=sid, family=fam, task="t", evol_of=evol_of, symbol=sym, cls=cls)
            row |= dict(concept=concept_of.get((fam, sym)), start=k, end=k + 1, position=k, n_tokens=1)
            for key, value in (row | {"shared": False, "token_ids": (k,)}).items():
                cols[key].append(value)

    originals = []
    for s in range(SAMPLES):
        fam = fams[s % FAMILIES]
        symbols = [f"s{v}" for v in rng.choice(VOCAB, size=int(rng.integers(20, 49)), p=zipf)]
        add(f"{fam}-{s}", fam, None, symbols)
        originals.append((f"{fam}-{s}", fam, symbols))
    for k in rng.choice(SAMPLES, size=int(EVOL_SHARE * SAMPLES), replace=False):
        sid, fam, symbols = originals[k]
        add(f"{sid}~evol", fam, sid, [f"s{int(v[1:]) + 3}" if int(v[1:]) % 3 == 2 else v for v in symbols])
    return SymbolTable.from_columns(cols)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpts", type=int, default=3)
    p.add_argument("--layers", type=int, default=11)
    p.add_argument("--pairs", default="same-symbol,concept,evol")
    args = p.parse_args()
    from analysis.symbolstore import SymbolStore
    from analysis.uniformity import Config, run

    rng = np.random.default_rng(0)
    table = synthetic_table(rng)
    stores = {}
    for c in range(args.ckpts):
        vectors = {
            layer: rng.standard_normal((len(table), D), dtype=np.float32) for layer in range(args.layers)
        }
        stores[f"ckpt{c}"] = SymbolStore.from_arrays(vectors, table)
    total = 0.0
    for pairs in args.pairs.split(","):
        start = time.perf_counter()
        result = run(stores, config=Config(unit="symbol", pairs=pairs, layers="all"))
        seconds = time.perf_counter() - start
        total += seconds
        n_rows = len(result.rows)
        print(
            json.dumps(
                {"pairs": pairs, "seconds": round(seconds, 1), "rows": n_rows, "occurrences": len(table)}
            )
        )
    summary = {"total_seconds": round(total, 1), "ckpts": args.ckpts, "layers": args.layers}
    print(json.dumps(summary | {"budget_seconds": BUDGET, "ratio_to_budget": round(total / BUDGET, 2)}))


if __name__ == "__main__":
    main()
