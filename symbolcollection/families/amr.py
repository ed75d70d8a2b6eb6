"""Abstract Meaning Representation graphs in PENMAN notation, parsed by penman."""

from __future__ import annotations

from symbolcollection import depth
from symbolcollection.checkers.logic import check_amr
from symbolcollection.family import Family, Rule, Task
from symbolcollection.tasks import amr
from symbolcollection.tasks.base import GEN

FAMILY = Family(
    name="amr",
    languages=amr.LANGS,
    tasks=(Task("nl2amr-sentences", "PropBank-frame sentence templates", GEN, amr.gen_amr, 300),),
    check=check_amr,
    depth=depth.amr_depth,
    infer=(Rule(50, r"^\s*\(\s*[a-z]\d*\s+/\s+[a-z][\w-]*(\s|\))"),),
    packages=("penman",),
)
