"""SMT-LIB 2: constraint problems over Int and Bool constants, checked by ``z3``.

Three tasks, each stating what the gold script must give: ``nl2smt-satisfiable`` (the constraints
hold for some values: ``sat``), ``nl2smt-unsatisfiable`` (they cannot all hold: ``unsat``) and
``nl2smt-valid`` (a claim that always holds, written as its negation: ``unsat``). The request
declares the constants (``Constants: apples (Int), rain (Bool)``); Symbol-Evol renames them.

Outside the sandbox z3 only ever sees a script made of the commands in ``check.COMMANDS`` (z3 also
accepts ``set-option :regular-output-channel``, which writes a file, and ``include``, which reads
one). Execution match runs in the sandbox (``smt`` jobs): the prediction's ``check-sat`` result
must equal the gold's and its assertions must be equivalent to the gold's (z3: the two
conjunctions differ in no assignment), which compares meaning, not models.
"""

from __future__ import annotations

from symbolcollection.families.smtlib import kinds
from symbolcollection.families.smtlib.check import check as check_script
from symbolcollection.families.smtlib.check import depth, lex, normalise, parses
from symbolcollection.families.smtlib.execution import jobs, judge
from symbolcollection.families.smtlib.tasks import (
    LANGS,
    SOURCE,
    evolve,
    gen_satisfiable,
    gen_unsatisfiable,
    gen_valid,
)
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.tasks.base import GEN

FAMILY = Family(
    name="smtlib",
    languages=LANGS,
    tasks=(
        Task("nl2smt-satisfiable", SOURCE, GEN, gen_satisfiable, 150),
        Task("nl2smt-unsatisfiable", SOURCE, GEN, gen_unsatisfiable, 120),
        Task("nl2smt-valid", SOURCE, GEN, gen_valid, 120),
    ),
    check=check_script,
    exact=normalise,
    exact_rule="SMT-LIB symbols joined by single spaces (whitespace and comments ignored)",
    execution=Execution(
        "z3 in the sandbox: same check-sat result as the gold and equivalent assertions", judge, jobs
    ),
    parses=parses,
    evolve=evolve,
    depth=depth,
    infer=(
        Rule(25, r"(?m)^\s*\((declare-const|declare-fun|check-sat|set-logic)\b"),
        Rule(65, r"(?i)\bSMT-?LIB\b", "instruction"),
    ),
    packages=("z3-solver",),
    lex=lex,
    concepts={  # SMT-LIB Standard 2.6 (Barrett, Fontaine & Tinelli 2017): theories Core and Ints
        "conjunction": ("and",),  # Core: (and Bool Bool Bool :left-assoc)
        "negation": ("not",),  # Core: (not Bool Bool)
        "implication": ("=>",),  # Core: (=> Bool Bool Bool :right-assoc)
        "equality": ("=",),  # Core: (par (A) (= A A Bool :chainable))
        "order_comparison": (">", ">=", "<=", "<"),  # Ints: (<= Int Int Bool :chainable), <, >=, >
        "addition": ("+",),  # Ints: (+ Int Int Int :left-assoc)
        "multiplication": ("*",),  # Ints: (* Int Int Int :left-assoc)
    },
    kinds=kinds.__file__,
)
