"""NL→PDDL goals over real planning domains and problems shipped in the ``pddlgym`` wheel (MIT;
data source ``pddl``: its PDDL files are cached by ``make install``, the package never installed). The request gives the domain's predicates and the problem's
objects; the NL goal is generated from the parsed goal facts; the output is the goal formula."""

from __future__ import annotations

import random
import re
from pathlib import Path

from symbolcollection.checkers.pddl_check import sexpr_block
from symbolcollection.tasks.base import Draft, phrase, pick
from symbolscope.sources import member_path

LANGS = ("a PDDL goal", "a PDDL goal formula", "PDDL", "the :goal of a PDDL problem")
MAX_FILE = 12_000
MAX_ATOMS = 8
PER_DOMAIN = 20


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
