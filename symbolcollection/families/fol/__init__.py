"""First-order logic in nltk's notation, over declared predicates and constants."""

from __future__ import annotations

from symbolcollection.families.fol import tasks
from symbolcollection.families.fol.check import check_fol, fol_depth, fol_formula, lex_fol
from symbolcollection.families.fol.execution import logic_jobs, logic_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.tasks.base import GEN

SOURCE = "sentence templates"


FAMILY = Family(
    name="fol",
    languages=tasks.LANGS,
    tasks=(
        Task("nl2fol-categorical", SOURCE, GEN, tasks.gen_categorical, 160, delegation="logic"),
        Task("nl2fol-relational", SOURCE, GEN, tasks.gen_relational, 140, delegation="logic"),
    ),
    check=check_fol,
    exact=fol_formula,
    exact_rule="nltk logic parse; formulas equal up to renaming bound variables",
    evolve=tasks.evolve,
    depth=fol_depth,
    one_line=True,
    infer=(
        Rule(60, r"[∀∃]|\b(all|exists) [a-z]\d*\s*\."),
        Rule(50, r"(?i)\b(first-order logic|FOL)\b", "instruction"),
    ),
    delegate={
        "logic": Execution("z3: generated and gold formulas entail each other", logic_judge, logic_jobs)
    },
    packages=("nltk",),
    lex=lex_fol,
    concepts={  # nltk.sem.logic's notation (class Tokens; NLTK book ch. 10 "Analyzing the Meaning of Sentences")
        "conjunction": ("&",),  # nltk.sem.logic Tokens.AND (and, ^ are normalised to &)
        "disjunction": ("|",),  # nltk.sem.logic Tokens.OR
        "negation": ("-",),  # nltk.sem.logic Tokens.NOT (not, ! are normalised to -)
        "implication": ("->",),  # nltk.sem.logic Tokens.IMP (implies, => are normalised to ->)
        "universal": ("all",),  # nltk.sem.logic Tokens.ALL (forall is normalised to all)
        "existential": ("exists",),  # nltk.sem.logic Tokens.EXISTS
    },
)
