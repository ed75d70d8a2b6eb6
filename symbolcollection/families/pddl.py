"""PDDL goals for pddlgym's domains and problems, planned by pyperplan in the delegation suite."""

from __future__ import annotations

import functools
import hashlib
import random
import re
from collections.abc import Sequence
from typing import Any

from symbolcollection import depth, lexing, normalise
from symbolcollection.checkers.pddl_check import check_pddl
from symbolcollection.delegation import plan_jobs, plan_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.rename import EvolFailed, fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks import pddl


def provenance(samples: Sequence[Sample]) -> dict[str, Any]:
    """How many pddlgym files the samples use and one sha256 over their names and bytes."""
    used = sorted({s.source.split(":", 1)[1] for s in samples if s.source.startswith("pddlgym:")})
    h = hashlib.sha256()
    for rel in used:  # "<domain file>|<problem folder>/<problem file>"
        h.update(rel.encode())
        domain, problem = rel.split("|", 1)
        for p in (pddl.pddlgym_dir() / domain, pddl.pddlgym_dir() / problem):
            h.update(p.read_bytes())
    return {"pddlgym_files_used": len(used), "pddlgym_used_sha256": h.hexdigest()}


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The domain's predicates renamed in the request, the domain and the goal."""
    from symbolcollection.checkers.pddl_check import predicate_arities, sexpr_block

    block = sexpr_block(sample.input, ":predicates")
    if block is None:
        raise EvolFailed("pddl: no predicates to rename")
    taken: set[str] = set()
    mapping = {p: fresh_name(rng, "dash", taken) for p in predicate_arities(block)}

    def sub_atoms(text: str) -> str:
        return re.sub(r"\(([^\s()]+)", lambda m: "(" + mapping.get(m.group(1), m.group(1)), text)

    instr = rename_words(sample.instruction, mapping, r"[\w-]")
    return renamed(sample, instr, sample.input.replace(block, sub_atoms(block)), sub_atoms(sample.output))


@functools.cache
def _lexer() -> lexing.RegexLexer:
    """PDDL's reserved words are those of the ``pddl`` package's parser (case-insensitive)."""
    from pddl.parser.symbols import Symbols

    reserved = [s.value for s in Symbols if re.fullmatch(r"[a-z][\w-]*", s.value)]
    return lexing.RegexLexer(
        (
            lexing.Pattern("keyword", lexing.words(*reserved, ignore_case=True) + r"(?!-)", str.lower),
            lexing.Pattern("keyword", r":[A-Za-z][\w-]*", str.lower),  # :goal, :requirements, ...
            lexing.Pattern("identifier", r"\??[A-Za-z][\w-]*"),  # predicate, object, type, ?variable
            lexing.Pattern("literal", r"\d+(?:\.\d+)?"),
            lexing.Pattern("punctuation", r"[()]"),
            lexing.Pattern("operator", r"<=|>=|[=<>+\-*/]"),
        ),
        skip=r"\s+|;[^\n]*",
    )


def lex_pddl(text: str) -> list[lexing.Symbol]:
    """PDDL symbols: reserved words (connectives, quantifiers, ``define``-level words; lower-cased,
    PDDL is case insensitive) and ``:section`` names keywords, predicates, objects, types and
    ``?variables`` identifiers, numbers literals, ``(`` ``)`` punctuation, ``=`` and arithmetic
    operators; ``;`` comments are trivia."""
    return _lexer()(text)


FAMILY = Family(
    name="pddl",
    languages=pddl.LANGS,
    tasks=(
        Task(
            "nl2pddl-goal",
            "pddlgym PDDL domains/problems",
            "MIT (pddlgym)",
            pddl.gen_pddl_goals,
            300,
            needs="pddl",
            delegation="planning",
        ),
    ),
    check=check_pddl,
    exact=normalise.pddl_atoms,
    exact_rule="lower-cased, conjuncts of a flat conjunction sorted",
    evolve=evolve,
    depth=depth.bracket_depth,
    infer=(
        Rule(30, r"(?is)^\s*\((define|:goal|:action|:init)\b"),
        Rule(60, r"(?i)\bPDDL\b", "instruction"),
    ),
    delegate={
        "planning": Execution(
            "pyperplan plan for the generated goal reaches the gold goal",
            plan_judge,
            plan_jobs,
            gold_checked=True,  # pyperplan cannot parse or solve every gold problem
        )
    },
    provenance=provenance,
    packages=("pddl",),
    lex=lex_pddl,
)
