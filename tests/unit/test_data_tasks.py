"""The task registry: enough families and tasks, several instruction shells per task, varied
request phrasings, and generators that are deterministic from their seed."""

from __future__ import annotations

import random
import re

import pytest

from symbolcollection import registry
from symbolcollection.tasks import SHELLS

#: (family, task) of every registered task
PAIRS = [(f.name, t) for f, t in registry.tasks()]

REAL_DATA_TASKS = {"humaneval", "nl2bash-icalfa", "nl2pddl-goal", "molecule-description-smiles"}


def test_registry_covers_16_families_and_24_tasks() -> None:
    assert len({t.name for _, t in PAIRS}) == len(PAIRS) >= 24
    assert len({f for f, _ in PAIRS}) >= 16
    per_family: dict[str, int] = {}
    for f, t in PAIRS:
        per_family[f] = per_family.get(f, 0) + t.target
    assert min(per_family.values()) >= 250, per_family
    assert sum(per_family.values()) >= 4000


def test_real_data_tasks_name_real_sources() -> None:
    specs = {t.name: t for _, t in PAIRS}
    assert set(specs) >= REAL_DATA_TASKS
    assert all("generated" not in specs[n].source for n in REAL_DATA_TASKS)


@pytest.mark.parametrize(
    ("family", "spec"),
    [p for p in PAIRS if p[1].name not in ("humaneval", "nl2bash-icalfa")],
    ids=lambda p: getattr(p, "name", p),
)
def test_at_least_three_shells_and_varied_requests(family, spec) -> None:  # type: ignore[no-untyped-def]
    drafts = spec.generate(random.Random(0), 60)
    assert len({d.template for d in drafts}) >= 3
    for d in drafts:
        assert d.task == spec.name and d.family == family
        assert 0 <= d.template < len(SHELLS)
    # the request itself (with the shell removed) is phrased in several ways: first words differ
    starts = set()
    for d in drafts:
        shell = SHELLS[d.template]
        pre, _, _ = shell.partition("{q}")
        lang_free = d.instruction[len(pre) :] if pre and "{lang}" not in pre else d.instruction
        starts.add(" ".join(re.findall(r"[A-Za-z]+", lang_free)[:2]).lower())
    assert len(starts) >= 3, starts


@pytest.mark.parametrize("spec", [t for _, t in PAIRS], ids=lambda s: s.name)
def test_generators_are_deterministic(spec) -> None:  # type: ignore[no-untyped-def]
    a = spec.generate(random.Random(11), 10)
    b = spec.generate(random.Random(11), 10)
    assert a == b
