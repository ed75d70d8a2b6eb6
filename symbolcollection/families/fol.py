"""First-order logic in nltk's notation, over declared predicates and constants."""

from __future__ import annotations

import random

from symbolcollection import depth, normalise
from symbolcollection.checkers.logic import check_fol
from symbolcollection.delegation import logic_jobs, logic_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks import fol
from symbolcollection.tasks.base import GEN

SOURCE = "sentence templates"


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The declared predicates and constants renamed."""
    from symbolcollection.checkers.logic import declarations, declared_predicates

    taken: set[str] = set()
    mapping = {p: fresh_name(rng, "upper", taken) for p in declared_predicates(sample.input)}
    mapping |= {c: fresh_name(rng, "lower", taken) for c in declarations(sample.input).get("Constants", [])}
    texts = (sample.instruction, sample.input, sample.output)
    return renamed(sample, *(rename_words(t, mapping) for t in texts))


FAMILY = Family(
    name="fol",
    languages=fol.LANGS,
    tasks=(
        Task("nl2fol-categorical", SOURCE, GEN, fol.gen_categorical, 160, delegation="logic"),
        Task("nl2fol-relational", SOURCE, GEN, fol.gen_relational, 140, delegation="logic"),
    ),
    check=check_fol,
    exact=normalise.fol_formula,
    exact_rule="nltk logic parse; formulas equal up to renaming bound variables",
    evolve=evolve,
    depth=depth.fol_depth,
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
