"""The task registry: enough families and tasks, several instruction shells per task, varied
request phrasings, and generators that are deterministic from their seed."""

from __future__ import annotations

import random
import re

import pytest

from symbolcollection.schema import FAMILIES
from symbolcollection.tasks import SHELLS, all_tasks

REAL_DATA_TASKS = {"humaneval", "nl2bash-icalfa", "nl2pddl-goal", "molecule-description-smiles"}


def test_registry_covers_16_families_and_24_tasks() -> None:
    specs = all_tasks()
    assert len({s.name for s in specs}) == len(specs) >= 24
    assert len({s.family for s in specs}) >= 16
    assert {s.family for s in specs} <= set(FAMILIES)
    per_family: dict[str, int] = {}
    for s in specs:
        per_family[s.family] = per_family.get(s.family, 0) + s.target
    assert min(per_family.values()) >= 250, per_family
    assert sum(per_family.values()) >= 4000


def test_real_data_tasks_name_real_sources() -> None:
    specs = {s.name: s for s in all_tasks()}
    assert set(specs) >= REAL_DATA_TASKS
    assert all("generated" not in specs[n].source for n in REAL_DATA_TASKS)


@pytest.mark.parametrize(
    "spec", [s for s in all_tasks() if s.name not in ("humaneval", "nl2bash-icalfa")], ids=lambda s: s.name
)
def test_at_least_three_shells_and_varied_requests(spec) -> None:  # type: ignore[no-untyped-def]
    drafts = spec.generate(random.Random(0), 60)
    assert len({d.template for d in drafts}) >= 3
    for d in drafts:
        assert d.task == spec.name and d.family == spec.family
        assert 0 <= d.template < len(SHELLS)
    # the request itself (with the shell removed) is phrased in several ways: first words differ
    starts = set()
    for d in drafts:
        shell = SHELLS[d.template]
        pre, _, _ = shell.partition("{q}")
        lang_free = d.instruction[len(pre) :] if pre and "{lang}" not in pre else d.instruction
        starts.add(" ".join(re.findall(r"[A-Za-z]+", lang_free)[:2]).lower())
    assert len(starts) >= 3, starts


@pytest.mark.parametrize("spec", all_tasks(), ids=lambda s: s.name)
def test_generators_are_deterministic(spec) -> None:  # type: ignore[no-untyped-def]
    a = spec.generate(random.Random(11), 10)
    b = spec.generate(random.Random(11), 10)
    assert a == b
