"""Parse-tree nesting depth of a symbolic output, from its family's own parser
(:attr:`symbolcollection.family.Family.depth`).

Each function returns the depth of the tree a parser builds (a leaf has depth 1) and raises the
parser's own error when the output does not parse. A family whose outputs have no meaningful tree
says why (:attr:`~symbolcollection.family.Family.no_depth`); the probe lists it as skipped
(:func:`probes.targets.depth`). Parsers: sqlglot (SQL),
nltk logic (FOL), the collection's lark grammars (lambda, LTL), penman
(AMR), s-expressions (PDDL), ``json`` (JSON, API calls),
bracket nesting for SPARQL group patterns.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any


def tree_depth(node: Any, children: Callable[[Any], Iterable[Any]]) -> int:
    """Depth of the tree under ``node`` (iterative: no recursion limit)."""
    best, stack = 0, [(node, 1)]
    while stack:
        cur, d = stack.pop()
        best = max(best, d)
        stack.extend((c, d + 1) for c in children(cur))
    return best


def bracket_depth(text: str, pairs: str = "()") -> int:
    """Maximum nesting of the bracket ``pairs`` (``"(){}"``: opens at even, closes at odd positions)."""
    opens, closes = set(pairs[0::2]), set(pairs[1::2])
    depth = best = 0
    for ch in text:
        if ch in opens:
            depth += 1
            best = max(best, depth)
        elif ch in closes:
            depth -= 1
    return best


def sql_depth(text: str) -> int:
    import sqlglot

    return tree_depth(sqlglot.parse_one(text), lambda e: e.iter_expressions())


def _fol_children(e: Any) -> list[Any]:
    return [getattr(e, a) for a in ("first", "second", "term", "function", "argument") if hasattr(e, a)]


def fol_depth(text: str) -> int:
    from nltk.sem.logic import Expression

    return tree_depth(Expression.fromstring(text), _fol_children)


@functools.cache
def _lark(grammar_name: str) -> Any:
    from lark import Lark

    from symbolcollection.checkers import logic

    return Lark(getattr(logic, grammar_name), parser="lalr")


def lark_depth(grammar_name: str) -> Callable[[str], int]:
    def depth(text: str) -> int:
        from lark import Tree

        tree = _lark(grammar_name).parse(text)
        return tree_depth(tree, lambda t: t.children if isinstance(t, Tree) else [])

    return depth


def amr_depth(text: str) -> int:
    import penman

    tree = penman.parse(text)

    def children(node: Any) -> list[Any]:
        if isinstance(node, tuple) and len(node) == 2 and isinstance(node[1], list):
            return [tgt for _, tgt in node[1] if isinstance(tgt, tuple)]
        return []

    return tree_depth(tree.node, children)


def json_depth(text: str) -> int:
    def children(v: Any) -> list[Any]:
        if isinstance(v, dict):
            return list(v.values())
        return list(v) if isinstance(v, list) else []

    return tree_depth(json.loads(text), children)
