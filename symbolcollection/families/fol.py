"""First-order logic in nltk's notation, over declared predicates and constants."""

from __future__ import annotations

import functools
import random
from typing import Any

from symbolcollection import depth, lexing, normalise
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
    from symbolcollection.declarations import declarations, declared_predicates

    taken: set[str] = set()
    mapping = {p: fresh_name(rng, "upper", taken) for p in declared_predicates(sample.input)}
    mapping |= {c: fresh_name(rng, "lower", taken) for c in declarations(sample.input).get("Constants", [])}
    texts = (sample.instruction, sample.input, sample.output)
    return renamed(sample, *(rename_words(t, mapping) for t in texts))


def lex_fol(text: str) -> list[lexing.Symbol]:
    """First-order logic symbols by ``nltk.sem.logic``'s tokenizer: quantifiers and ``\\``
    (lambda) keywords, connectives and (in)equality operators, both normalised to nltk's canonical
    spelling (``and``/``^`` -> ``&``, ``not``/``!`` -> ``-``, ``forall`` -> ``all``, ``=>`` -> ``->``
    ...), ``.`` ``(`` ``)`` ``,`` punctuation, numbers literals, every other name an identifier."""
    tokens, starts = _fol_parser().process(text)
    canonical = _fol_canonical()
    out = []
    for i, tok in enumerate(tokens):
        start = starts[i]
        if text[start : start + len(tok)] != tok:  # a quoted name: nltk drops the quotes
            raise lexing.LexError(f"fol: token {tok!r} is not at offset {start}")
        norm, cls = canonical.get(tok, (tok, "literal" if tok.isdigit() else "identifier"))
        out.append(lexing.Symbol(norm, cls, start, start + len(tok)))
    return lexing.assemble(text, out)


@functools.cache
def _fol_parser() -> Any:
    from nltk.sem.logic import LogicParser

    return LogicParser()


@functools.cache
def _fol_canonical() -> dict[str, tuple[str, lexing.SymbolClass]]:
    """nltk's token spellings -> (canonical spelling, class), from nltk's own token lists."""
    from nltk.sem.logic import Tokens as T

    groups: dict[tuple[str, lexing.SymbolClass], list[str]] = {
        (T.EXISTS, "keyword"): T.EXISTS_LIST,
        (T.ALL, "keyword"): T.ALL_LIST,
        (T.LAMBDA, "keyword"): T.LAMBDA_LIST,
        (T.IOTA, "keyword"): T.IOTA_LIST,
        (T.NOT, "operator"): T.NOT_LIST,
        (T.AND, "operator"): T.AND_LIST,
        (T.OR, "operator"): T.OR_LIST,
        (T.IMP, "operator"): T.IMP_LIST,
        (T.IFF, "operator"): T.IFF_LIST,
        (T.EQ, "operator"): T.EQ_LIST,
        (T.NEQ, "operator"): T.NEQ_LIST,
    }
    groups.update({(p, "punctuation"): [p] for p in T.PUNCT})
    return {s: key for key, spellings in groups.items() for s in spellings}


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
    lex=lex_fol,
)
