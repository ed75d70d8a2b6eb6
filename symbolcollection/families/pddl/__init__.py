"""PDDL goals for pddlgym's domains and problems, planned by pyperplan in the delegation suite.

The tasks use real planning domains and problems shipped in the ``pddlgym`` wheel (MIT; data
source ``pddl``: its PDDL files are cached by ``make install``, the package never installed). The
request gives the domain's predicates and the problem's objects; the NL goal is generated from the
parsed goal facts; the output is the goal formula. The checker parses the goal with the ``pddl``
package's problem parser inside a minimal problem, then checks every atom against the domain's
``(:predicates ...)`` (name and arity) and the problem's ``(:objects ...)`` given in ``input``.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from symbolcollection import lexing
from symbolcollection.depth import bracket_depth
from symbolcollection.families.pddl import kinds
from symbolcollection.family import CheckFailed, Execution, Family, Outcome, Rule, Task, collapse
from symbolcollection.rename import EvolFailed, fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import Draft, phrase, pick
from symbolscope.sources import member_path

LANGS = ("a PDDL goal", "a PDDL goal formula", "PDDL", "the :goal of a PDDL problem")
MAX_FILE = 12_000
MAX_ATOMS = 8
PER_DOMAIN = 20
REQUIREMENTS = (
    ":strips :typing :negative-preconditions :disjunctive-preconditions :equality "
    ":existential-preconditions :universal-preconditions"
)


# --- s-expressions ------------------------------------------------------------------------------
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


# --- checking -----------------------------------------------------------------------------------
@functools.cache
def _problem_parser() -> Any:
    from pddl.parser.problem import ProblemParser

    return ProblemParser()


def _parsed_atoms(node: Any, acc: list[tuple[str, list[str]]]) -> None:
    from pddl.logic.predicates import Predicate

    if isinstance(node, Predicate):
        acc.append((str(node.name).lower(), [str(t.name).lower() for t in node.terms]))
        return
    for attr in ("operands", "argument", "condition"):
        child = getattr(node, attr, None)
        if child is None:
            continue
        for c in child if isinstance(child, list | tuple | frozenset | set) else [child]:
            _parsed_atoms(c, acc)


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
    _parsed_atoms(problem.goal, atoms)
    if not atoms:
        raise CheckFailed("pddl: the goal has no atoms")
    for name, args in atoms:
        if preds.get(name) != len(args):
            raise CheckFailed(f"pddl: predicate {name}/{len(args)} is not in the domain")
        for a in args:
            if not a.startswith("?") and objects and a not in objects:
                raise CheckFailed(f"pddl: object {a!r} is not declared")


# --- exact match and lexer ----------------------------------------------------------------------
def pddl_atoms(text: str) -> str:
    """Lower-cased and collapsed; the conjuncts of a flat conjunction sorted."""
    body = collapse(text.lower())
    if body.startswith("(and ") and body.endswith(")"):
        body = body[5:-1]
    atoms = re.findall(r"\(not \([^()]*\)\)|\([^()]*\)", body)
    rebuilt = " ".join(atoms)
    return " ".join(sorted(atoms)) if rebuilt == body.strip() else body


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


# --- planning (the delegation suite's ``plan`` jobs) --------------------------------------------
def _strip_pddl(text: str) -> str:
    return re.sub(r";[^\n]*", "", text).lower()


def pddl_files(sample: Sample) -> tuple[str, str] | None:
    """``(domain text, problem text)`` named by a ``pddlgym:<domain>|<problem>`` source."""
    if not sample.source.startswith("pddlgym:") or "|" not in sample.source:
        return None
    dom, prob = sample.source.split(":", 1)[1].split("|", 1)
    root = pddlgym_dir().resolve()
    paths = [(root / dom).resolve(), (root / prob).resolve()]
    if any(root not in p.parents or not p.is_file() for p in paths):
        return None
    return paths[0].read_text(encoding="utf-8"), _strip_pddl(paths[1].read_text(encoding="utf-8"))


def with_goal(problem: str, goal: str) -> str:
    """``problem`` with its ``(:goal ...)`` replaced by ``(:goal <goal>)``."""
    old = sexpr_block(problem, ":goal")
    goal = goal.strip()
    if goal.startswith("(:goal"):
        goal = goal[len("(:goal") : -1].strip()
    return problem.replace(old, f"(:goal {goal})") if old else problem


def plan_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    files = pddl_files(sample)
    if files is None:
        return []
    domain, problem = files
    return [
        {
            "kind": "plan",
            "domain": domain,
            "problem": with_goal(problem, text),
            "gold_problem": problem,
        }
    ]


def plan_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    return bool(pred and pred[0].ok and pred[0].value.get("valid"))


# --- Symbol-Evol --------------------------------------------------------------------------------
def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The domain's predicates renamed in the request, the domain and the goal."""
    block = sexpr_block(sample.input, ":predicates")
    if block is None:
        raise EvolFailed("pddl: no predicates to rename")
    taken: set[str] = set()
    mapping = {p: fresh_name(rng, "dash", taken) for p in predicate_arities(block)}

    def sub_atoms(text: str) -> str:
        return re.sub(r"\(([^\s()]+)", lambda m: "(" + mapping.get(m.group(1), m.group(1)), text)

    instr = rename_words(sample.instruction, mapping, r"[\w-]")
    return renamed(sample, instr, sample.input.replace(block, sub_atoms(block)), sub_atoms(sample.output))


# --- tasks: pddlgym's domains and problems ------------------------------------------------------
def pddlgym_dir() -> Path:
    """The folder of PDDL files of the cached ``pddlgym`` wheel."""
    return member_path("pddl")


def _clean(text: str) -> str:
    text = re.sub(r";[^\n]*", "", text)
    return (
        " ".join(text.replace("(", " ( ").replace(")", " ) ").split())
        .replace("( ", "(")
        .replace(" )", ")")
        .lower()
    )


def _atoms(goal: str) -> list[tuple[bool, list[str]]] | None:
    """``[(positive, [pred, args...])]`` of a conjunctive goal, or ``None`` if it is not one."""
    body = goal
    if body.startswith("(and "):
        body = body[5:-1]
    out: list[tuple[bool, list[str]]] = []
    for m in re.finditer(r"\(not \(([^()]*)\)\)|\(([^()]*)\)", body):
        toks = (m.group(1) or m.group(2)).split()
        if not toks or toks[0] in ("and", "or", "forall", "exists", "imply"):
            return None
        out.append((m.group(1) is None, toks))
    rebuilt = " ".join(f"(not ({' '.join(t)}))" if not pos else f"({' '.join(t)})" for pos, t in out)
    return out if rebuilt == body.strip() else None


def _say(rng: random.Random, pos: bool, toks: list[str]) -> str:
    p, args = toks[0].replace("-", " ").replace("_", " "), toks[1:]
    if len(args) == 0:
        s = pick(rng, ("{p} holds", "the fact {p} is true"), p=p)
    elif len(args) == 1:
        s = pick(rng, ("{x} is {p}", "{p} is true of {x}", "{x} satisfies {p}"), x=args[0], p=p)
    elif len(args) == 2:
        s = pick(
            rng,
            ("{x} is {p} {y}", "{p} holds between {x} and {y}", "{x} stands in relation {p} to {y}"),
            x=args[0],
            y=args[1],
            p=p,
        )
    else:
        s = f"{p} holds for " + ", ".join(args)
    return s if pos else pick(rng, ("it is not the case that {s}", "not ({s})"), s=s)


def _problems(domain: Path) -> list[Path]:
    files: list[Path] = []
    for sub in (domain.with_suffix(""), Path(str(domain.with_suffix("")) + "_test")):
        if sub.is_dir():
            files += sorted(p for p in sub.glob("*.pddl") if p.stat().st_size <= MAX_FILE)
    return files


def gen_pddl_goals(rng: random.Random, n: int) -> list[Draft]:
    """Goals of up to 8 facts from pddlgym problems (at most 20 per domain), ``n`` at most."""
    out: list[Draft] = []
    for dom in sorted(pddlgym_dir().glob("*.pddl")):
        text = _clean(dom.read_text(encoding="utf-8", errors="replace"))
        preds = sexpr_block(text, ":predicates")
        name = re.search(r"\(domain ([^)\s]+)\)", text)
        if preds is None or name is None or len(preds) > 900:
            continue
        consts = sexpr_block(text, ":constants")
        files = _problems(dom)
        rng.shuffle(files)
        kept = 0
        for prob in files:
            if kept >= PER_DOMAIN:
                break
            ptext = _clean(prob.read_text(encoding="utf-8", errors="replace"))
            objects, goal = sexpr_block(ptext, ":objects"), sexpr_block(ptext, ":goal")
            if objects is None or goal is None or len(objects) > 500:
                continue
            formula = goal[len("(:goal") : -1].strip()
            atoms = _atoms(formula)
            if not atoms or len(atoms) > MAX_ATOMS:
                continue
            if consts:
                objects = objects[:-1] + " " + consts[len("(:constants") : -1].strip() + ")"
            facts = [_say(rng, pos, toks) for pos, toks in atoms]
            listing = facts[0] if len(facts) == 1 else ", ".join(facts[:-1]) + " and " + facts[-1]
            q = pick(
                rng,
                (
                    "In the {d} domain, reach a state where {g}.",
                    "Planning goal ({d}): {g}.",
                    "We want {g} to hold at the end ({d} domain).",
                ),
                d=name.group(1),
                g=listing,
            )
            ctx = f"(define (domain {name.group(1)}))\n{preds}\n{objects}"
            out.append(
                phrase(
                    rng,
                    "nl2pddl-goal",
                    "pddl",
                    q,
                    LANGS,
                    formula,
                    f"pddlgym:{dom.name}|{prob.parent.name}/{prob.name}",
                    ctx,
                )
            )
            kept += 1
    rng.shuffle(out)
    return out[:n]


def provenance(samples: Sequence[Sample]) -> dict[str, Any]:
    """How many pddlgym files the samples use and one sha256 over their names and bytes."""
    used = sorted({s.source.split(":", 1)[1] for s in samples if s.source.startswith("pddlgym:")})
    h = hashlib.sha256()
    for rel in used:  # "<domain file>|<problem folder>/<problem file>"
        h.update(rel.encode())
        domain, problem = rel.split("|", 1)
        for p in (pddlgym_dir() / domain, pddlgym_dir() / problem):
            h.update(p.read_bytes())
    return {"pddlgym_files_used": len(used), "pddlgym_used_sha256": h.hexdigest()}


FAMILY = Family(
    name="pddl",
    languages=LANGS,
    tasks=(
        Task(
            "nl2pddl-goal",
            "pddlgym PDDL domains/problems",
            "MIT (pddlgym)",
            gen_pddl_goals,
            300,
            needs="pddl",
            delegation="planning",
        ),
    ),
    check=check_pddl,
    exact=pddl_atoms,
    exact_rule="lower-cased, conjuncts of a flat conjunction sorted",
    evolve=evolve,
    depth=bracket_depth,
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
    concepts={  # PDDL 2.1 BNF (Fox & Long, JAIR 20, 2003): goal descriptions <GD>
        "conjunction": ("and",),  # <GD> ::= (and <GD>*)
        "negation": ("not",),  # <literal> ::= (not <atomic formula>); <GD> ::= (not <GD>)
    },
    kinds=kinds.__file__,
)
