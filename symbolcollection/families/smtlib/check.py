"""The SMT-LIB language as the smtlib family reads it: tokens and s-expressions, the allowed
commands, the request's constants, z3's ``check-sat`` result and the checker.

Outside the sandbox z3 only ever sees a script made of the commands in :data:`COMMANDS`.
"""

from __future__ import annotations

import re
from typing import Any

from symbolcollection.family import CheckFailed, Symbol
from symbolcollection.schema import Sample

#: task -> the check-sat result its gold script must give
EXPECTED = {"nl2smt-satisfiable": "sat", "nl2smt-unsatisfiable": "unsat", "nl2smt-valid": "unsat"}
#: The only top-level commands a script may hold (anything else is refused before z3 reads it).
DECLARATIONS = ("declare-const", "declare-fun", "declare-sort", "define-fun", "define-sort")
COMMANDS = frozenset({*DECLARATIONS, "set-logic", "set-info", "assert", "check-sat", "get-model", "exit"})
Z3_TIMEOUT_MS = 2000

# --- tokens and s-expressions -------------------------------------------------------------------

#: token class, pattern (first match wins); ``space`` and ``comment`` are not symbols
_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<comment>;[^\n]*)|(?P<open>\()|(?P<close>\))"
    r'|(?P<string>"(?:[^"]|"")*")|(?P<quoted>\|[^|]*\|)|(?P<keyword>:[^\s()";|]+)'
    r"|(?P<number>#x[0-9A-Fa-f]+|#b[01]+|\d+(?:\.\d+)?(?![^\s()\";|]))|(?P<symbol>[^\s()\";|]+)"
    r"|(?P<other>.)",
    re.S,
)
RESERVED = frozenset({"let", "forall", "exists", "as", "!", "par", "match", "_"})
SORTS = frozenset({"Int", "Bool", "Real", "Array", "BitVec", "String"})
_LOGIC = ("and", "or", "not", "=>", "xor", "=", "distinct", "ite")
_ARITH = ("+", "-", "*", "/", "div", "mod", "abs", "<", "<=", ">", ">=", "to_real", "to_int")
OPERATORS = frozenset({*_LOGIC, *_ARITH, "select", "store"})
LITERALS = frozenset({"true", "false"})


def _classify(kind: str, text: str) -> str:
    if kind in ("open", "close", "other"):
        return "punctuation"
    if kind in ("string", "number") or text in LITERALS:
        return "literal"
    if kind == "keyword" or text in COMMANDS or text in RESERVED or text in SORTS:
        return "keyword"
    return "operator" if text in OPERATORS else "identifier"


def lex(text: str) -> list[Symbol]:
    """The symbols of an SMT-LIB script in order, with character spans and a class: commands,
    binders, sorts and ``:keywords`` are keywords; ``and``, ``=>``, ``+``, ``<=`` … operators;
    numerals, strings, ``true``/``false`` literals; brackets punctuation; every other symbol an
    identifier. Whitespace and ``;`` comments lie between symbols."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind not in ("space", "comment"):
            out.append(Symbol(m.group(), _classify(kind, m.group()), m.start(), m.end()))
    return out


def read(text: str) -> list[Any]:
    """The top-level s-expressions of ``text`` (an atom is its string, a list a Python list).

    Raises :class:`CheckFailed` on unbalanced brackets."""
    stack: list[list[Any]] = [[]]
    for sym in lex(text):
        if sym.text == "(":
            stack.append([])
        elif sym.text == ")":
            if len(stack) == 1:
                raise CheckFailed(f"smtlib: unexpected ')' at character {sym.start}")
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(sym.text)
    if len(stack) != 1:
        raise CheckFailed("smtlib: unbalanced brackets (a '(' is never closed)")
    return stack[0]


def render(expr: Any) -> str:
    """An s-expression of :func:`read` written back as text (single spaces)."""
    return "(" + " ".join(render(e) for e in expr) + ")" if isinstance(expr, list) else str(expr)


def commands(text: str) -> list[list[Any]]:
    """The script's commands, each a list headed by a command of :data:`COMMANDS`."""
    forms = read(text)
    for form in forms:
        if not isinstance(form, list) or not form or not isinstance(form[0], str):
            raise CheckFailed(f"smtlib: {render(form)[:60]!r} is not a command")
        if form[0] not in COMMANDS:
            raise CheckFailed(f"smtlib: command '{form[0]}' is not allowed here")
    return forms


def depth(text: str) -> int:
    """Nesting depth of the script's s-expressions (an atom 1, ``(assert x)`` 2)."""

    def d(expr: Any) -> int:
        return 1 + max(map(d, expr), default=0) if isinstance(expr, list) else 1

    return max(map(d, read(text)), default=0)


def normalise(text: str) -> str:
    """Exact-match form: the symbols joined by single spaces (whitespace and comments ignored)."""
    return " ".join(s.text for s in lex(text))


# --- checking -----------------------------------------------------------------------------------


def declared(text: str) -> dict[str, str]:
    """``{name: sort}`` of a request's ``Constants: apples (Int), rain (Bool)`` line."""
    m = re.search(r"^Constants:\s*(.*)$", text, re.M)
    return dict(re.findall(r"([^\s,()]+) \((\w+)\)", m.group(1))) if m else {}


def solve(text: str, timeout_ms: int = Z3_TIMEOUT_MS) -> str:
    """z3's ``check-sat`` result (``sat``, ``unsat`` or ``unknown``) for a script of allowed commands."""
    import z3

    commands(text)
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    try:
        solver.from_string(text)
    except z3.Z3Exception as err:
        msg = err.value.decode() if isinstance(err.value, bytes) else str(err.value)
        raise CheckFailed(f"smtlib: z3: {' '.join(msg.split())[:160]}") from None
    return str(solver.check())


def parses(text: str) -> bool:
    """Whether z3 reads ``text`` as a script of allowed commands (without solving it)."""
    import z3

    try:
        commands(text)
        z3.Solver().from_string(text)
    except (CheckFailed, z3.Z3Exception):
        return False
    return True


def check(sample: Sample) -> None:
    """Allowed commands only, declared constants as the request declares them, one ``check-sat``,
    and z3's result is the one the task states (``sat`` or ``unsat``; any result for another task)."""
    forms = commands(sample.output)
    decl = declared(sample.input)
    for form in forms:
        if form[0] == "declare-const" and decl and (len(form) != 3 or decl.get(form[1]) != form[2]):
            raise CheckFailed(f"smtlib: {render(form)} does not match the request's constants")
    if sum(1 for f in forms if f[0] == "check-sat") != 1:
        raise CheckFailed("smtlib: the script must hold exactly one (check-sat)")
    got, want = solve(sample.output), EXPECTED.get(sample.task)
    if got == "unknown" or (want is not None and got != want):
        raise CheckFailed(f"smtlib: z3 says {got}, the task {sample.task} says {want or 'sat or unsat'}")
