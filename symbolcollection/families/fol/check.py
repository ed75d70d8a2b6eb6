"""Reading a first-order logic output (nltk's notation): the checker, the exact-match formula
(equal up to renaming bound variables), the parse-tree depth and the lexer."""

from __future__ import annotations

import functools
from typing import Any

from symbolcollection import lexing
from symbolcollection.declarations import declared_predicates
from symbolcollection.depth import tree_depth
from symbolcollection.family import CheckFailed, collapse
from symbolcollection.schema import Sample


def _fol_atoms(expr: Any, acc: list[tuple[str, int]]) -> None:
    from nltk.sem.logic import ApplicationExpression, ConstantExpression

    if isinstance(expr, ApplicationExpression):
        fn, args = expr.uncurry()
        acc.append((str(fn), len(args)))
        for a in args:
            _fol_atoms(a, acc)
        return
    if isinstance(expr, ConstantExpression):
        return
    for attr in ("term", "first", "second"):
        if hasattr(expr, attr):
            _fol_atoms(getattr(expr, attr), acc)


#: Nesting (and flat ``&``/``|`` chain) depth nltk may parse; deeper is a rejection, not a crash.
FOL_MAX_DEPTH = 2_000


def check_fol(sample: Sample) -> None:
    """Parse with ``nltk.sem.logic``; with a ``Predicates:`` declaration, every predicate used must
    be declared with the same arity."""
    from nltk.sem.logic import LogicalExpressionException, LogicParser

    parser = LogicParser()
    parser.MAX_PARSE_DEPTH = FOL_MAX_DEPTH  # nltk's 200 rejects valid long flat conjunctions
    try:
        expr = parser.parse(sample.output)
    except LogicalExpressionException as err:
        raise CheckFailed(f"fol: {' '.join(str(err).split())[:160]}") from None
    preds = declared_predicates(sample.input)
    if preds:
        atoms: list[tuple[str, int]] = []
        _fol_atoms(expr, atoms)
        for name, arity in atoms:
            if preds.get(name) != arity:
                raise CheckFailed(f"fol: predicate {name}/{arity} is not declared")


def _fol_children(e: Any) -> list[Any]:
    return [getattr(e, a) for a in ("first", "second", "term", "function", "argument") if hasattr(e, a)]


def fol_depth(text: str) -> int:
    from nltk.sem.logic import Expression

    return tree_depth(Expression.fromstring(text), _fol_children)


def fol_formula(text: str) -> object:
    """The nltk formula (its ``==`` is alpha-equivalence); else the text collapsed."""
    from nltk.sem.logic import Expression

    try:
        return Expression.fromstring(text)
    except Exception:  # nltk raises several error types on malformed input
        return collapse(text)


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
