"""First-order logic in nltk's notation, over declared predicates and constants."""

from __future__ import annotations

from trainer.data import depth, evol, normalise
from trainer.data.checkers.logic import check_fol
from trainer.data.delegation import logic_jobs, logic_judge
from trainer.data.family import Execution, Family, Rule, Task
from trainer.data.tasks import fol
from trainer.data.tasks.base import GEN

SOURCE = "sentence templates"

FAMILY = Family(
    name="fol",
    languages=fol.LANGS,
    tasks=(
        Task("nl2fol-categorical", SOURCE, GEN, fol.gen_categorical, 160, delegation="logic"),
        Task("nl2fol-relational", SOURCE, GEN, fol.gen_relational, 140, delegation="logic"),
    ),
    check=check_fol,
    exact=normalise._fol,
    exact_rule="nltk logic parse; formulas equal up to renaming bound variables",
    evolve=evol._evolve_decl,
    depth=depth._fol,
    one_line=True,
    infer=(
        Rule(60, r"[∀∃]|\b(all|exists) [a-z]\d*\s*\."),
        Rule(50, r"(?i)\b(first-order logic|FOL)\b", "instruction"),
    ),
    delegate={
        "logic": Execution("z3: generated and gold formulas entail each other", logic_judge, logic_jobs)
    },
    packages=("nltk",),
)
