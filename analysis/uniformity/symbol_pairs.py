"""The groups (result rows) of the symbol-level study and their positive pairs, from the symbol table
alone (no vectors): :func:`symbol_groups`.

Every group is one result row per layer: the occurrences its uniformity is over (``members``),
its positive pairs (rows of the table) and how many there were before ``max_pairs``. The rules
(stated in :mod:`analysis.uniformity.symbols` and in every result's config):

- ``same-symbol``: two occurrences of one symbol text of one family in two different samples;
  rows per family + ``all`` (the families' pairs pooled);
- ``concept``: two occurrences realising one concept in two different families; rows per
  concept + ``all``; a concept in fewer than 2 families is a skipped row;
- ``evol``: an original sample's symbol at position k with its Symbol-Evol variant's symbol at
  position k, both identifiers, for sample pairs with the same number of symbols;
- Symbol-Evol variants' occurrences are in no group and no pair but ``evol``'s, whose members
  are the occurrences of its kept sample pairs (originals and variants);
- ``max_pairs`` caps each family (concept) row, drawn with a seed derived from ``(seed, name)``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.metrics.pairs import derive_seed, key_pairs
from analysis.symbolstore import SymbolTable
from analysis.uniformity.config import Config
from analysis.uniformity.report import ALL
from symbolscope.errors import UserError

IDENTIFIER = "identifier"  # the class of the names Symbol-Evol renames
#: An ``evol`` row's counts of sample pairs: used, dropped for differing symbol counts, missing a side.
EVOL_COUNTS = ("evol_sample_pairs", "evol_dropped_length", "evol_missing")


@dataclass(frozen=True)
class Group:
    """One row of the study: ``members`` ``[m]`` and ``pairs`` ``[P, 2]`` are rows of the table.

    ``family``/``concept``: what the row names (a concept row's family is its families joined by
    ``+``); ``n_pairs_total``: valid pairs before the cap; ``skipped``: why the row has no values.
    """

    family: str
    concept: str | None
    members: np.ndarray
    pairs: np.ndarray
    n_pairs_total: int
    skipped: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def clusters_of(table: SymbolTable) -> list[str]:
    """The bootstrap unit of every row: its sample, or for a Symbol-Evol variant its original."""
    return [e if e is not None else s for s, e in zip(table.sample_id, table.evol_of, strict=True)]


def _rows(table: SymbolTable, families: set[str] | None, evolved: bool = False) -> np.ndarray:
    """Table rows of the selected families, Symbol-Evol variants only if ``evolved``."""
    keep = [
        (families is None or f in families) and (evolved or e is None)
        for f, e in zip(table.family, table.evol_of, strict=True)
    ]
    return np.flatnonzero(np.asarray(keep, dtype=bool))


def _pooled(groups: list[Group], members: np.ndarray, **kw: Any) -> Group:
    """The ``all`` row: ``members`` and every group's pairs."""
    live = [g for g in groups if g.skipped is None]
    pairs = np.concatenate([g.pairs for g in live]) if live else np.empty((0, 2), np.int64)
    return Group(ALL, kw.pop("concept", None), members, pairs, sum(g.n_pairs_total for g in live), **kw)


def same_symbol_groups(
    table: SymbolTable, families: set[str] | None, max_pairs: int, seed: int
) -> list[Group]:
    """Per family: occurrences of one symbol in two different samples (+ ``all``)."""
    rows = _rows(table, families)
    fam = np.asarray(table.family, dtype=object)[rows]
    groups = []
    for name in sorted(set(fam.tolist())):
        members = rows[fam == name]
        found = key_pairs(
            [table.symbol[i] for i in members],
            [table.sample_id[i] for i in members],
            max_pairs,
            derive_seed(seed, name),
        )
        groups.append(Group(name, None, members, members[found.pairs], found.total))
    return [*groups, _pooled(groups, rows)]


def concept_groups(
    table: SymbolTable, families: set[str] | None, concepts: tuple[str, ...] | None, max_pairs: int, seed: int
) -> list[Group]:
    """Per concept: occurrences of it in two different families (+ ``all``).

    A concept in fewer than 2 of the selected families is a skipped row, or a :class:`UserError`
    when ``concepts`` names it; no concept in 2 families at all is a :class:`UserError`.
    """
    rows = _rows(table, families)
    rows = rows[[table.concept[i] is not None for i in rows]] if len(rows) else rows
    by_concept: dict[str, set[str]] = defaultdict(set)
    for i in rows:
        by_concept[str(table.concept[i])].add(table.family[i])
    for name in concepts or ():
        if len(by_concept.get(name, ())) < 2:
            present = ", ".join(sorted(by_concept.get(name, ()))) or "none"
            raise UserError(
                f"--concepts {name}: concept present in fewer than two of the selected families "
                f"(present in: {present}); name a concept of two or more families"
            )
    names = sorted(set(concepts)) if concepts else sorted(by_concept)
    groups = []
    for name in names:
        members = rows[[table.concept[i] == name for i in rows]]
        fams = by_concept[name]
        if len(fams) < 2:
            skip = f"concept in fewer than 2 families ({', '.join(sorted(fams))})"
            groups.append(Group("+".join(sorted(fams)), name, members, np.empty((0, 2), np.int64), 0, skip))
            continue
        found = key_pairs(
            [name] * len(members), [table.family[i] for i in members], max_pairs, derive_seed(seed, name)
        )
        groups.append(Group("+".join(sorted(fams)), name, members, members[found.pairs], found.total))
    live = [g for g in groups if g.skipped is None]
    if not live:
        raise UserError(
            "--pairs concept: no concept is present in two or more of the selected families "
            f"(concepts: {', '.join(sorted(by_concept)) or 'none'}); select more families"
        )
    members = np.concatenate([g.members for g in live])
    fams = sorted({f for g in live for f in g.family.split("+")})
    return [*groups, _pooled(groups, np.sort(members), concept=ALL, extra={"families": fams})]


def evol_groups(table: SymbolTable, families: set[str] | None, max_pairs: int, seed: int) -> list[Group]:
    """Per family: identifier k of an original with identifier k of its variant (+ ``all``).

    A row's members are the occurrences of its kept sample pairs (originals and variants). Sample
    pairs whose symbol counts differ (or with a side absent, e.g. an output that did not lex) are
    dropped and counted in the row (``evol_dropped_length``, ``evol_missing``).
    """
    by_sample: dict[str, list[int]] = defaultdict(list)
    for i in _rows(table, families, evolved=True):
        by_sample[table.sample_id[i]].append(int(i))
    variants = sorted({s for s, rows in by_sample.items() if table.evol_of[rows[0]] is not None})
    if not variants:
        raise UserError(
            "--pairs evol: the symbol store holds no Symbol-Evol variant of the selected families"
        )
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    members: dict[str, list[int]] = defaultdict(list)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(EVOL_COUNTS, 0))
    for variant in variants:
        new = sorted(by_sample[variant], key=lambda i: table.position[i])
        fam = table.family[new[0]]
        old = sorted(by_sample.get(str(table.evol_of[new[0]]), []), key=lambda i: table.position[i])
        why = EVOL_COUNTS[2] if not old else EVOL_COUNTS[1] if len(old) != len(new) else EVOL_COUNTS[0]
        counts[fam][why] += 1
        if why == EVOL_COUNTS[0]:
            members[fam].extend(old + new)
            found[fam].extend(
                (a, b) for a, b in zip(old, new, strict=True) if table.cls[a] == table.cls[b] == IDENTIFIER
            )
    groups = []
    for name in sorted(set(counts)):
        pairs = np.asarray(found.get(name, []), dtype=np.int64).reshape(-1, 2)
        total = len(pairs)
        if total > max_pairs:
            pick = np.random.default_rng(derive_seed(seed, name)).choice(total, size=max_pairs, replace=False)
            pairs = pairs[np.sort(pick)]
        rows = np.sort(np.asarray(members.get(name, []), dtype=np.int64))
        groups.append(Group(name, None, rows, pairs, total, extra=dict(counts[name])))
    extra = {k: sum(g.extra[k] for g in groups) for k in EVOL_COUNTS}
    every = np.sort(np.concatenate([g.members for g in groups]))
    return [*groups, _pooled(groups, every, extra=extra)]


def symbol_groups(table: SymbolTable, pairs: str, cfg: Config) -> list[Group]:
    """The rows of pairing ``pairs`` under the settings of ``cfg`` (families, concepts, cap, seed)."""
    families = set(cfg.families) if cfg.families else None
    if pairs == "same-symbol":
        return same_symbol_groups(table, families, cfg.max_pairs, cfg.seed)
    if pairs == "concept":
        return concept_groups(table, families, cfg.concepts, cfg.max_pairs, cfg.seed)
    if pairs == "evol":
        return evol_groups(table, families, cfg.max_pairs, cfg.seed)
    raise UserError(f"unknown pairing {pairs!r} of symbols; choose same-symbol, concept or evol")
