"""``stats``: a table per family and task of a built collection (samples per split, token lengths,
source, instruction templates)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from symbolcollection.schema import Sample
from symbolcollection.store import read_card, read_split, read_templates

SPLIT_COLS = ("train", "analysis", "test", "evol_train", "evol_analysis", "evol_test")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def collection_stats(folder: Path, use_tokenizer: bool = True) -> str:
    """The stats report of the collection in ``folder`` as text."""
    from symbolcollection.tokens import counter

    card = read_card(folder)
    count, unit = counter(use_tokenizer)
    by_task: dict[str, dict[str, list[Sample]]] = defaultdict(lambda: defaultdict(list))
    templates: dict[str, set[int]] = defaultdict(set)
    for split in SPLIT_COLS:
        samples = read_split(folder, split)
        for s, t in zip(samples, read_templates(folder, split), strict=True):
            by_task[s.task][split].append(s)
            templates[s.task].add(t)
    head = [
        "family / task",
        *SPLIT_COLS,
        "total",
        f"prompt {unit} mean",
        f"output {unit} mean",
        "output max",
        "templates",
        "source",
    ]
    rows = [head]
    fam_rows: dict[str, list[int]] = defaultdict(lambda: [0] * (len(SPLIT_COLS) + 1))
    task_family = {t: v["family"] for t, v in card["tasks"].items()}
    for task in sorted(by_task, key=lambda t: (task_family.get(t, ""), t)):
        splits = by_task[task]
        alls = [s for k in SPLIT_COLS[:3] for s in splits[k]]
        p_len = count([s.instruction + "\n" + s.input for s in alls])
        o_len = count([s.output for s in alls])
        counts = [len(splits[k]) for k in SPLIT_COLS]
        fam = task_family.get(task, alls[0].family if alls else "?")
        acc = fam_rows[fam]
        for i, c in enumerate([*counts, sum(counts[:3])]):
            acc[i] += c
        rows.append(
            [
                f"{fam} / {task}",
                *map(str, counts),
                str(sum(counts[:3])),
                f"{sum(p_len) / max(len(p_len), 1):.0f}",
                f"{sum(o_len) / max(len(o_len), 1):.0f}",
                str(max(o_len, default=0)),
                str(len(templates[task])),
                card["tasks"].get(task, {}).get("source", ""),
            ]
        )
    fam_table = [["family", *SPLIT_COLS, "total"]] + [[f, *map(str, v)] for f, v in sorted(fam_rows.items())]
    totals = [sum(v[i] for v in fam_rows.values()) for i in range(len(SPLIT_COLS) + 1)]
    fam_table.append(["ALL", *map(str, totals)])
    general = card["counts"].get("general_train", 0) + card["counts"].get("general_test", 0)
    summary = (
        f"collection {folder}\n{len(fam_rows)} families, {len(by_task)} tasks, {totals[-1]} symbolic samples "
        f"(+{sum(totals[3:6])} Symbol-Evol variants, +{general} general-NL samples); seed {card['seed']}"
    )
    return "\n\n".join([summary, _table(fam_table), _table(rows)])
