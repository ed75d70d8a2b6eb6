"""PDDL checker: the goal formula is parsed by the ``pddl`` package's problem parser inside a
minimal problem, then every atom is checked against the domain's ``(:predicates ...)`` (name and
arity) and the problem's ``(:objects ...)`` given in ``input``."""

from __future__ import annotations

import functools
import re
from typing import Any

from symbolcollection.checkers import CheckFailed
from symbolcollection.schema import Sample

REQUIREMENTS = (
    ":strips :typing :negative-preconditions :disjunctive-preconditions :equality "
    ":existential-preconditions :universal-preconditions"
)


def sexpr_block(text: str, head: str) -> str | None:
    """The balanced ``(head ...)`` block in ``text`` (``None`` if absent or unbalanced)."""
    start = text.find("(" + head)
    if start < 0:
        return None
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return None


def predicate_arities(block: str) -> dict[str, int]:
    """``{name: arity}`` of a ``(:predicates (p ?x - t ?y) ...)`` block."""
    inner = block[len("(:predicates") : -1]
    out: dict[str, int] = {}
    for body in re.findall(r"\(([^()]*)\)", inner):
        toks = body.split()
        if toks:
            out[toks[0].lower()] = sum(1 for t in toks[1:] if t.startswith("?"))
    return out


def object_names(block: str) -> set[str]:
    """Object names of an ``(:objects a b - t c)`` block (type names after ``-`` excluded)."""
    toks = block[len("(:objects") : -1].split()
    names: set[str] = set()
    skip = False
    for t in toks:
        if skip:
            skip = False
            continue
        if t == "-":
            skip = True
            continue
        names.add(t.lower())
    return names


@functools.cache
def _problem_parser() -> Any:
    from pddl.parser.problem import ProblemParser

    return ProblemParser()


def _atoms(node: Any, acc: list[tuple[str, list[str]]]) -> None:
    from pddl.logic.predicates import Predicate

    if isinstance(node, Predicate):
        acc.append((str(node.name).lower(), [str(t.name).lower() for t in node.terms]))
        return
    for attr in ("operands", "argument", "condition"):
        child = getattr(node, attr, None)
        if child is None:
            continue
        for c in child if isinstance(child, list | tuple | frozenset | set) else [child]:
            _atoms(c, acc)


def check_pddl(sample: Sample) -> None:
    """Parse the goal formula with ``pddl``; check atoms against declared predicates and objects."""
    out = sample.output.strip()
    if out.startswith("(:goal"):
        out = out[len("(:goal") : -1].strip()
    objects_block = sexpr_block(sample.input, ":objects") or "(:objects )"
    text = (
        f"(define (problem check) (:domain check) (:requirements {REQUIREMENTS}) "
        f"{objects_block} (:init ) (:goal {out}))"
    )
    problem = _problem_parser()(text)
    preds_block = sexpr_block(sample.input, ":predicates")
    if preds_block is None:
        return
    preds = predicate_arities(preds_block)
    objects = object_names(objects_block)
    atoms: list[tuple[str, list[str]]] = []
    _atoms(problem.goal, atoms)
    if not atoms:
        raise CheckFailed("pddl: the goal has no atoms")
    for name, args in atoms:
        if preds.get(name) != len(args):
            raise CheckFailed(f"pddl: predicate {name}/{len(args)} is not in the domain")
        for a in args:
            if not a.startswith("?") and objects and a not in objects:
                raise CheckFailed(f"pddl: object {a!r} is not declared")
