"""Benchmark: the symbol probes (``probes.run`` with ``unit="symbol"``) at the size of ``make reproduce``.

Run from the repo root: ``.venv/bin/python benchmarks/bench_symbol_probes.py [--rows 26000]
[--layers 11] [--ckpts 3] [--dim 576] [--pca 0] [--per-cell 60] [--cs 1.0] [--folds 5]
[--jobs 2] [--mdl] [--noise 8]``. It builds one synthetic in-memory symbol store of ``--rows`` occurrences
in 19 families (asp about 30 % of them; classes and about 1,900 concept occurrences of 13 concepts
in 14 families, shaped like the analysis split's; vectors = class and
concept directions + family offsets + noise), and probes it as ``--ckpts`` checkpoints (the same
arrays: the cost does not depend on which model made them) with every symbol target, control,
surface and the concept transfer. It prints the wall time of the whole step, the CPU seconds its
workers spent (load-independent), the rows probed and the mean transfer accuracy; the budget line
is ``make reproduce``'s: the whole symbol probe step <= 180 s on 2 cores for 3 checkpoints.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from analysis.symbolstore import SymbolStore, SymbolTable
from probes.config import Config
from probes.study import run
from symbolcollection import registry

CLASS_SHARE = {"identifier": 0.34, "punctuation": 0.34, "keyword": 0.16, "operator": 0.11, "literal": 0.05}
#: concept -> families realising it (the plan's table), about 1,900 occurrences in all
CONCEPTS = {
    "conjunction": ("sql", "fol", "ltl", "lambda", "pddl", "python", "smtlib"),
    "negation": ("fol", "ltl", "python", "smtlib", "pddl", "asp"),
    "disjunction": ("fol", "python", "regex"),
    "equality": ("sql", "python", "smtlib", "xpath", "latex"),
    "order_comparison": ("sql", "sparql", "python", "smtlib", "asp"),
    "implication": ("fol", "ltl", "smtlib", "asp"),
    "existential": ("fol", "lambda", "ltl"),
    "aggregation": ("sql", "sparql", "lambda", "asp", "python"),
    "extremum": ("sql", "lambda", "python"),
    "ordering": ("sparql", "python", "bash"),
    "selection": ("sql", "sparql", "asp"),
    "filtering": ("sql", "sparql", "xpath"),
    "addition": ("python", "math", "smtlib", "latex"),
}
#: the registry's families, asp first (it takes about 30 % of the rows, as in the collection)
FAMILIES = ("asp", *(f for f in registry.names() if f != "asp"))


def synthetic(rows: int, dim: int, layers: int, noise: float = 8.0, seed: int = 0) -> SymbolStore:
    """An in-memory symbol store of ``rows`` occurrences and ``layers`` layers ``[rows, dim]``
    (unit-normal directions per class, concept and family, plus ``noise`` × unit-normal noise)."""
    rng = np.random.default_rng(seed)
    fam_p = np.full(len(FAMILIES), 0.7 / (len(FAMILIES) - 1))
    fam_p[0] = 0.3
    family = rng.choice(FAMILIES, size=rows, p=fam_p)
    classes = list(CLASS_SHARE)
    cls = rng.choice(classes, size=rows, p=list(CLASS_SHARE.values()))
    concept: list[str | None] = [None] * rows
    pairs = [(c, f) for c, fams in CONCEPTS.items() for f in fams]
    for i in rng.choice(rows, size=1900, replace=False).tolist():
        c, f = pairs[int(rng.integers(len(pairs)))]
        concept[i], family[i], cls[i] = c, f, "keyword"
    symbol = [f"{c}{int(rng.integers(2))}" if c else f"s{int(rng.integers(300))}" for c in concept]
    sample_id = [f"{family[i]}-{i // 20}" for i in range(rows)]  # a sample: its family's rows of 20
    table = SymbolTable.from_columns(
        {
            "sample_id": sample_id,
            "family": family.tolist(),
            "task": [f"nl2{f}" for f in family.tolist()],
            "evol_of": [None] * rows,
            "symbol": symbol,
            "cls": cls.tolist(),
            "concept": concept,
            "start": [0] * rows,
            "end": [1] * rows,
            "position": [0] * rows,
            "n_tokens": [1] * rows,
            "shared": [False] * rows,
            "token_ids": [(hash((f, s)) % 20000,) for f, s in zip(family.tolist(), symbol, strict=True)],
        }
    )
    cls_dir = {c: rng.normal(size=dim) for c in classes}
    con_dir = {c: rng.normal(size=dim) for c in CONCEPTS}
    fam_dir = {f: rng.normal(size=dim) for f in FAMILIES}
    base = np.stack([cls_dir[c] + fam_dir[f] for c, f in zip(cls.tolist(), family.tolist(), strict=True)])
    base += np.stack([con_dir[c] if c else np.zeros(dim) for c in concept])
    arrays = {k: (base + noise * rng.normal(size=base.shape)).astype(np.float32) for k in range(layers)}
    return SymbolStore.from_arrays(arrays, table)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=26000)
    p.add_argument("--layers", type=int, default=11)
    p.add_argument("--ckpts", type=int, default=3)
    p.add_argument("--dim", type=int, default=576)
    p.add_argument("--pca", type=int, default=0, help="0: every dimension")
    p.add_argument("--per-cell", type=int, default=60)
    p.add_argument("--cs", default="1.0")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--mdl", action="store_true")
    p.add_argument("--noise", type=float, default=8.0, help="higher: harder probes, slower fits")
    a = p.parse_args()
    store = synthetic(a.rows, a.dim, a.layers, a.noise)
    cfg = Config(
        unit="symbol",
        pca=a.pca or None,
        per_cell=a.per_cell,
        Cs=tuple(float(c) for c in a.cs.split(",")),
        folds=a.folds,
        n_jobs=a.jobs,
        mdl=a.mdl,
        progress=False,
    )
    start = time.perf_counter()
    res = run({f"ck{k}": store for k in range(a.ckpts)}, config=cfg)
    wall = time.perf_counter() - start
    info = next(iter(res.config["skipped"].values()))
    cpu = sum(s["probe_cpu_seconds"] for s in res.config["skipped"].values())
    mean = [r["accuracy"] for r in res.rows if r["kind"] == "concept_transfer" and r["held_out"] is None]
    print(f"rows {a.rows} x {a.layers} layers x {a.ckpts} ckpts, d={a.dim}, pca={a.pca}, Cs={cfg.Cs}")
    print(f"probed: class {info.get('class_rows')} rows, concept {info.get('concept_rows')} rows")
    cls = [r["accuracy"] for r in res.rows if (r["kind"], r["target"]) == ("probe", "class")]
    print(
        f"mean accuracy: class {np.mean(cls):.3f}, concept transfer {np.mean(mean):.3f}; {len(res.rows)} rows"
    )
    print(f"worker CPU {cpu:.1f} s; wall {wall:.1f} s (budget 180 s)")


if __name__ == "__main__":
    main()
