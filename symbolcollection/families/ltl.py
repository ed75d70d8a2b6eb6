"""Linear temporal logic formulas over the request's propositions."""

from __future__ import annotations

from symbolcollection import depth, normalise
from symbolcollection.checkers.logic import check_ltl
from symbolcollection.family import Family, Rule, Task
from symbolcollection.tasks import ltl
from symbolcollection.tasks.base import GEN

FAMILY = Family(
    name="ltl",
    languages=ltl.LANGS,
    tasks=(Task("nl2ltl-navigation", "navigation command templates", GEN, ltl.gen_ltl, 300),),
    check=check_ltl,
    exact=normalise.no_space,
    exact_rule="all whitespace removed",
    depth=depth.lark_depth("LTL_GRAMMAR"),
    one_line=True,
    infer=(
        Rule(120, r"^(?=.*(\b[GFX]\b|\bU\b))[a-z0-9_\s!&|()GFXURW\->]+$"),
        Rule(10, r"(?i)\b(LTL|linear temporal logic)\b", "instruction"),
    ),
    packages=("lark",),
)
