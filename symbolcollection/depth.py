"""Parse-tree nesting depth of a symbolic output, from its family's own parser
(:attr:`symbolcollection.family.Family.depth`).

Each function returns the depth of the tree a parser builds (a leaf has depth 1) and raises the
parser's own error when the output does not parse. A family whose outputs have no meaningful tree
says why (:attr:`~symbolcollection.family.Family.no_depth`); the probe lists it as skipped
(:func:`probes.targets.depth`). Each family's module holds its depth function; shared here are
:func:`tree_depth` over any parser's tree, :func:`bracket_depth` for bracket nesting and
:func:`lark_depth` for a ``lark`` grammar's parse tree.
"""

from __future__ import annotations

import functools
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


@functools.cache
def _lark(grammar: str) -> Any:
    from lark import Lark

    return Lark(grammar, parser="lalr")


def lark_depth(grammar: str) -> Callable[[str], int]:
    """The depth function of a ``lark`` ``grammar`` (the grammar text, parsed LALR)."""

    def depth(text: str) -> int:
        from lark import Tree

        tree = _lark(grammar).parse(text)
        return tree_depth(tree, lambda t: t.children if isinstance(t, Tree) else [])

    return depth
