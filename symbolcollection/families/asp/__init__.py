"""Answer set programming (clingo): rules over given facts whose answer sets are fixed.

The request's input holds the facts as an ASP program under a header naming the given and the
wanted predicates (``% input: edge/2, start/1`` / ``% output: reach/1``); the answer is the whole
program, the facts restated and the rules (rules alone would be the same text for every sample of
a task). The program run is the input followed by the answer. Three tasks: reachability in a directed
graph, graph colouring and scheduling with conflicts, order and capacities. The checker grounds
and solves the program with clingo and compares its answer sets, projected on the ``output``
predicates, with the ones a plain-Python reference computes from the facts (by the predicates'
places in the header, so Symbol-Evol's renaming keeps it working).

Outside the sandbox clingo never sees a directive other than ``check.DIRECTIVES`` (``#include``
reads files, ``#script`` runs code) nor an external call (``@f``). Execution match runs in the
sandbox (``asp`` jobs): the set of answer sets projected on the output predicates.
"""

from __future__ import annotations

from symbolcollection.families.asp import kinds
from symbolcollection.families.asp.check import MAX_MODELS, depth, lex, normalise, parses
from symbolcollection.families.asp.check import check as check_program
from symbolcollection.families.asp.execution import jobs, judge
from symbolcollection.families.asp.tasks import (
    LANGS,
    SOURCE,
    evolve,
    gen_colouring,
    gen_reachability,
    gen_scheduling,
)
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.tasks.base import GEN

FAMILY = Family(
    name="asp",
    languages=LANGS,
    tasks=(
        Task("nl2asp-reachability", SOURCE, GEN, gen_reachability, 130),
        Task("nl2asp-colouring", SOURCE, GEN, gen_colouring, 120),
        Task("nl2asp-scheduling", SOURCE, GEN, gen_scheduling, 120),
    ),
    check=check_program,
    exact=normalise,
    exact_rule="each statement's symbols joined by single spaces, statements sorted (comments ignored)",
    execution=Execution(
        f"clingo in the sandbox: the same answer sets on the output predicates (all, at most {MAX_MODELS})",
        judge,
        jobs,
    ),
    parses=parses,
    evolve=evolve,
    depth=depth,
    infer=(
        Rule(35, r"(?m):-[^.]*\.\s*$|^\s*#show\b"),
        Rule(75, r"(?i)\b(answer set programming|ASP|clingo)\b", "instruction"),
    ),
    packages=("clingo",),
    lex=lex,
    concepts={  # ASP-Core-2 Input Language Format (Calimeri et al., TPLP 2020); clingo's Potassco guide
        "negation": ("not",),  # ASP-Core-2 "Syntax": default negation, not a
        "implication": (":-",),  # ASP-Core-2 "Syntax": rule  head :- body.  (the body implies the head)
        "order_comparison": (">=", ">"),  # ASP-Core-2 "Syntax": builtin atoms, comparison operators
        "aggregation": ("#count",),  # ASP-Core-2 "Syntax": aggregate functions #count, #sum, ...
        "projection": ("#show",),  # Potassco guide "Meta-Statements": #show p/n shows only p/n atoms
    },
    kinds=kinds.__file__,
)
