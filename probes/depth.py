"""Parse-tree nesting depth of a symbolic output, from its family's own parser.

``depth(sample)`` returns the depth of the tree the family's parser builds (a leaf has depth 1),
or None when the output does not parse. Families whose outputs have no meaningful tree are in
:data:`NO_TREE` with the reason; the probe lists them as skipped. Parsers: sqlglot (SQL), ``ast``
(Python, math programs), nltk logic (FOL), the collection's lark grammars (lambda, LTL), penman
(AMR), s-expressions (PDDL), ``json`` (JSON, API calls), ``re._parser`` (regex), bashlex (bash),
bracket nesting for SPARQL group patterns, SMILES branches and LaTeX groups.
"""

from __future__ import annotations

import ast
import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from symbolcollection.schema import Sample

#: Families without a meaningful parse tree, and why.
NO_TREE: dict[str, str] = {
    "cron": "five flat schedule fields: no nesting",
    "xpath": "a location path is a flat sequence of steps (predicates barely nest)",
}


def _tree_depth(node: Any, children: Callable[[Any], Iterable[Any]]) -> int:
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


def _ast_children(node: Any) -> Iterable[Any]:
    return ast.iter_child_nodes(node)


def _py(text: str) -> int:
    return _tree_depth(ast.parse(text), _ast_children)


def _sql(text: str) -> int:
    import sqlglot

    return _tree_depth(sqlglot.parse_one(text), lambda e: e.iter_expressions())


def _fol_children(e: Any) -> list[Any]:
    return [getattr(e, a) for a in ("first", "second", "term", "function", "argument") if hasattr(e, a)]


def _fol(text: str) -> int:
    from nltk.sem.logic import Expression

    return _tree_depth(Expression.fromstring(text), _fol_children)


@functools.cache
def _lark(grammar_name: str) -> Any:
    from lark import Lark

    from symbolcollection.checkers import logic

    return Lark(getattr(logic, grammar_name), parser="lalr")


def _lark_depth(grammar_name: str) -> Callable[[str], int]:
    def depth(text: str) -> int:
        from lark import Tree

        tree = _lark(grammar_name).parse(text)
        return _tree_depth(tree, lambda t: t.children if isinstance(t, Tree) else [])

    return depth


def _amr(text: str) -> int:
    import penman

    tree = penman.parse(text)

    def children(node: Any) -> list[Any]:
        if isinstance(node, tuple) and len(node) == 2 and isinstance(node[1], list):
            return [tgt for _, tgt in node[1] if isinstance(tgt, tuple)]
        return []

    return _tree_depth(tree.node, children)


def _json(text: str) -> int:
    def children(v: Any) -> list[Any]:
        if isinstance(v, dict):
            return list(v.values())
        return list(v) if isinstance(v, list) else []

    return _tree_depth(json.loads(text), children)


def _regex(text: str) -> int:
    try:
        from re import _parser as sre  # type: ignore[attr-defined]
    except ImportError:  # Python < 3.11
        import sre_parse as sre  # type: ignore[no-redef]

    def children(item: Any) -> list[Any]:
        out: list[Any] = []
        for part in item if isinstance(item, list | tuple | sre.SubPattern) else []:
            if isinstance(part, sre.SubPattern):
                out.append(part)
            elif isinstance(part, list | tuple):
                out.extend(children(part))
        return out

    return _tree_depth(sre.parse(text), children)


def _bash(text: str) -> int:
    import bashlex

    def children(node: Any) -> list[Any]:
        out: list[Any] = []
        for attr in ("parts", "list", "command"):
            val = getattr(node, attr, None)
            if isinstance(val, list):
                out.extend(val)
            elif val is not None and hasattr(val, "kind"):
                out.append(val)
        return out

    return max(_tree_depth(n, children) for n in bashlex.parse(text))


_PARSERS: dict[str, Callable[[str], int]] = {
    "sql": _sql,
    "python": _py,
    "math": _py,
    "fol": _fol,
    "lambda": _lark_depth("LAMBDA_GRAMMAR"),
    "ltl": _lark_depth("LTL_GRAMMAR"),
    "amr": _amr,
    "pddl": bracket_depth,
    "json": _json,
    "api_call": _json,
    "regex": _regex,
    "bash": _bash,
    "sparql": lambda t: bracket_depth(t, "(){}"),
    "smiles": bracket_depth,
    "latex": lambda t: bracket_depth(t, "{}"),
}


def depth(sample: Sample) -> int | None:
    """Parse-tree depth of ``sample.output`` (>= 1), or None if its family has no tree or it fails to parse."""
    parse = _PARSERS.get(sample.family)
    if parse is None:
        return None
    try:
        return int(parse(sample.output))
    except Exception:  # a parser's own error type: this output has no depth
        return None


def skip_reason(family: str) -> str | None:
    """Why ``family`` has no depth target (None if it has one)."""
    if family in NO_TREE:
        return NO_TREE[family]
    return None if family in _PARSERS else "no parser for this family"
