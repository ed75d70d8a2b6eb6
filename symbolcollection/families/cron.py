"""Five-field cron schedules, compared by their next fire times (croniter)."""

from __future__ import annotations

from symbolcollection.checkers.structured import check_cron
from symbolcollection.execution import CRON_FIRES, CRON_START, cron_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.tasks import cron
from symbolcollection.tasks.base import GEN

FAMILY = Family(
    name="cron",
    languages=cron.LANGS,
    tasks=(Task("nl2cron-schedules", "schedule phrase generator", GEN, cron.gen_cron, 300),),
    check=check_cron,
    execution=Execution(f"same next {CRON_FIRES} fire times from {CRON_START:%Y-%m-%d}", cron_judge),
    no_depth="five flat schedule fields: no nesting",
    one_line=True,
    infer=(Rule(70, r"^\s*([\d*/,\-]+\s+){4}[\d*/,\-]+\s*$"),),
    packages=("lark",),
)
