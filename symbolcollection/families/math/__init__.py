"""Arithmetic and algebra: expressions (sympy-equal to the gold) and word-problem programs
(``solution()`` run in the sandbox).

NL→math: expressions (checked by ``sympy``, equal to the intended expression) and word problems
as ``solution()`` programs (evaluated, equal to the computed answer)."""

from __future__ import annotations

import ast
import math
import random
import re
from collections.abc import Sequence
from typing import Any

from symbolcollection import lexing
from symbolcollection.execution import first_ok, values_equal
from symbolcollection.families.math import kinds
from symbolcollection.families.python import python_depth
from symbolcollection.family import CheckFailed, Execution, Family, Outcome, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, Draft, phrase, pick

EXPR_LANGS = (
    "a sympy expression",
    "a math expression in Python syntax",
    "an algebraic expression",
    "a symbolic expression",
)
PROG_LANGS = (
    "a Python program",
    "a short program computing the answer",
    "a solution() function",
    "Python code",
)
VARS = ("x", "y", "z", "a", "b", "n", "t")
FUNCS = {
    "sqrt": "the square root of",
    "sin": "the sine of",
    "cos": "the cosine of",
    "exp": "e to the power of",
    "log": "the natural log of",
}


def _atom(rng: random.Random, v: list[str]) -> tuple[str, str]:
    x = rng.choice(v)
    k = rng.randint(2, 9)
    kind = rng.randrange(5)
    if kind == 0:
        return f"{k}*{x}", pick(rng, ("{k} times {x}", "{x} multiplied by {k}", "{k}{x}"), k=k, x=x)
    if kind == 1:
        return f"{x}**{k}", pick(
            rng, ("{x} to the power {k}", "{x} raised to {k}", "the {k}th power of {x}"), k=k, x=x
        )
    if kind == 2:
        f = rng.choice(list(FUNCS))
        return f"{f}({x})", f"{FUNCS[f]} {x}"
    if kind == 3:
        return f"{x}/{k}", pick(rng, ("{x} divided by {k}", "{x} over {k}", "a {k}th of {x}"), k=k, x=x)
    return x, x


def gen_expression(rng: random.Random, n: int) -> list[Draft]:
    """Spoken algebra (sums, differences, products of powers/functions) to sympy expressions."""
    out = []
    for _ in range(n):
        v = rng.sample(VARS, rng.randint(1, 3))
        (e1, w1), (e2, w2) = _atom(rng, v), _atom(rng, v)
        op = rng.randrange(3)
        if op == 0:
            expr, q = (
                f"{e1} + {e2}",
                pick(rng, ("{a} plus {b}", "the sum of {a} and {b}", "add {b} to {a}"), a=w1, b=w2),
            )
        elif op == 1:
            expr, q = (
                f"{e1} - {e2}",
                pick(
                    rng,
                    ("{a} minus {b}", "{a} with {b} subtracted", "the difference of {a} and {b}"),
                    a=w1,
                    b=w2,
                ),
            )
        else:
            expr, q = (
                f"({e1})*({e2})",
                pick(
                    rng, ("the product of {a} and {b}", "{a}, times {b}", "multiply {a} by {b}"), a=w1, b=w2
                ),
            )
        used = sorted({c for c in v if c in expr})
        out.append(
            phrase(
                rng,
                "nl2math-expression",
                "math",
                q[0].upper() + q[1:] + ".",
                EXPR_LANGS,
                expr,
                "generated:algebra-phrases",
                "Variables: " + ", ".join(used),
            )
        )
    return out


def _problem(rng: random.Random) -> tuple[str, str]:
    who = rng.choice(("Ada", "Bruno", "Chen", "Dana", "Emil", "Farah"))
    thing = rng.choice(("apples", "stamps", "marbles", "books", "shells", "coins"))
    a, b, c = rng.randint(5, 60), rng.randint(2, 20), rng.randint(2, 6)
    kind = rng.randrange(5)
    if kind == 0:
        q = f"{who} has {a} {thing} and buys {b} more, then gives away {c}. How many {thing} does {who} have now?"
        return (
            q,
            f"def solution():\n    start = {a}\n    bought = {b}\n    given = {c}\n    return start + bought - given",
        )
    if kind == 1:
        q = f"{who} packs {a} {thing} into bags of {c}. How many full bags are there?"
        return q, f"def solution():\n    total = {a}\n    per_bag = {c}\n    return total // per_bag"
    if kind == 2:
        q = f"Each box holds {b} {thing}. {who} fills {c} boxes and has {a} {thing} left over. How many {thing} were there?"
        return (
            q,
            f"def solution():\n    per_box = {b}\n    boxes = {c}\n    left = {a}\n    return per_box * boxes + left",
        )
    if kind == 3:
        price = rng.choice((2, 3, 4, 5, 7))
        q = f"{thing.capitalize()} cost {price} dollars each. {who} buys {b} of them and pays with {price * b + a} dollars. What is the change?"
        return (
            q,
            f"def solution():\n    price = {price}\n    count = {b}\n    paid = {price * b + a}\n    return paid - price * count",
        )
    q = f"{who} reads {b} pages a day for {c} weeks. How many pages is that?"
    return q, f"def solution():\n    per_day = {b}\n    days = {c} * 7\n    return per_day * days"


def gen_word_problem(rng: random.Random, n: int) -> list[Draft]:
    """Arithmetic word problems (GSM8K style) as programs whose ``solution()`` returns the answer."""
    out = []
    for _ in range(n):
        q, prog = _problem(rng)
        out.append(
            phrase(rng, "math-word-problem-program", "math", q, PROG_LANGS, prog, "generated:word-problems")
        )
    return out


_MATH_FUNCS = frozenset(
    {"sqrt", "sin", "cos", "tan", "exp", "log", "Abs", "abs", "Rational", "pi", "E", "round", "min", "max"}
)
_SAFE_NODES = (
    ast.Module, ast.Expression, ast.Expr, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load,
    ast.Store, ast.Call, ast.Assign, ast.AugAssign, ast.Return, ast.FunctionDef, ast.arguments,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd,
)  # fmt: skip
_DECLARED = re.compile(r"^Variables:\s*(.*)$", re.M)


MAX_EXPONENT = 100


def _whitelisted(tree: ast.AST) -> None:
    """Raise :class:`CheckFailed` unless ``tree`` is arithmetic on numbers and elementary functions."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Pow):
            exp = node.right if isinstance(node, ast.BinOp) else node.value
            if not (
                isinstance(exp, ast.Constant)
                and isinstance(exp.value, int | float)
                and abs(exp.value) <= MAX_EXPONENT
            ):
                raise CheckFailed(f"math: exponents must be numbers up to {MAX_EXPONENT}")
        if not isinstance(node, _SAFE_NODES):
            raise CheckFailed(f"math: {type(node).__name__} is not allowed in a math answer")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise CheckFailed("math: only numeric constants are allowed")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in _MATH_FUNCS
        ):
            raise CheckFailed("math: only elementary functions may be called")


def check_math(sample: Sample) -> None:
    """A math answer is either an expression (parsed by ``sympy``; its free symbols must be among
    declared ``Variables:``) or a ``def solution():`` program of arithmetic (run, must return a
    finite number). Both pass an ``ast`` whitelist first, so nothing else is ever evaluated."""
    import sympy
    from sympy.parsing.sympy_parser import parse_expr

    text = sample.output.strip()
    try:
        tree: ast.AST = ast.parse(text, mode="eval")
    except SyntaxError:
        tree = ast.parse(text, mode="exec")
    if isinstance(tree, ast.Expression):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                node.func.id = node.func.id if node.func.id != "abs" else "Abs"
        _whitelisted(tree)
        expr = parse_expr(text, evaluate=False)
        m = _DECLARED.search(sample.input)
        if m:
            allowed = {v.strip() for v in m.group(1).split(",")}
            extra = sorted(str(s) for s in expr.free_symbols if str(s) not in allowed)
            if extra:
                raise CheckFailed(f"math: undeclared variable(s) {', '.join(extra)}")
        return
    _whitelisted(tree)
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]  # type: ignore[attr-defined]
    if not funcs or funcs[-1].name != "solution":
        raise CheckFailed("math: a program must define solution()")
    env: dict[str, Any] = {
        "__builtins__": {"round": round, "min": min, "max": max, "abs": abs},
        "sqrt": math.sqrt,
    }
    exec(compile(tree, "<math>", "exec"), env)  # safe: only whitelisted arithmetic nodes
    value = env["solution"]()
    if not isinstance(value, int | float | sympy.Basic) or not math.isfinite(float(value)):
        raise CheckFailed(f"math: solution() returned {value!r}, not a finite number")


def math_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    """A program is called (``solution()``); an expression is compared with the gold by ``sympy``."""
    if sample.output.lstrip().startswith("def "):
        return [{"kind": "call", "code": text, "entry": "solution", "args": [[]]}]
    return [{"kind": "sympy_equal", "a": text, "b": sample.output}]


def math_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """A program returns the gold program's value; an expression is ``sympy``-equal to the gold."""
    if sample.output.lstrip().startswith("def "):
        p, g = first_ok(pred), first_ok(gold)
        return p is not None and g is not None and p.value[0][0] == "ok" and values_equal(p.value, g.value)
    p = first_ok(pred)
    return p is not None and p.value is True


_NAMES = frozenset({"sqrt", "sin", "cos", "tan", "exp", "log", "abs", "pi", "Abs", "Rational"})


def looks_arithmetic(output: str) -> bool:
    """An operator-bearing expression whose letter runs are variables or elementary functions."""
    text = output.strip()
    if not re.fullmatch(r"[\w\s+\-*/().^=,]+", text) or not re.search(r"[\d+*/^]", text):
        return False
    words = re.findall(r"[A-Za-z_]+", text)
    return all(w in _NAMES or (len(w) <= 2 and w.islower()) for w in words)


def lex_math(text: str) -> list[lexing.Symbol]:
    """Math outputs are Python (an expression or a ``solution()`` program): Python's symbols."""
    from symbolcollection.families.python import lex_python

    return lex_python(text)


FAMILY = Family(
    name="math",
    languages=EXPR_LANGS,
    tasks=(
        Task("nl2math-expression", "algebra phrase generator", GEN, gen_expression, 160),
        Task(
            "math-word-problem-program",
            "word-problem templates",
            GEN,
            gen_word_problem,
            140,
            delegation="math",
        ),
    ),
    check=check_math,
    execution=Execution(
        "program: solution() returns the gold value; expression: sympy-equal to gold", math_judge, math_jobs
    ),
    check_runs_code=True,
    depth=python_depth,
    infer=(
        Rule(90, r"^\s*def solution\(\):"),
        Rule(200, looks_arithmetic),
        Rule(90, r"(?i)\b(equation|arithmetic|math|calculate|compute)\b", "instruction"),
    ),
    delegate={
        "math": Execution("solution() run in the sandbox returns the gold value", math_judge, math_jobs)
    },
    packages=("sympy",),
    lex=lex_math,
    concepts={  # the programs are Python: The Python Language Reference (3.x); = assigns, so is unmapped
        "abstraction": ("def",),  # Reference 8.7 Function definitions
        "addition": ("+",),  # Reference 6.7 Binary arithmetic operations
        "multiplication": ("*",),  # Reference 6.7 Binary arithmetic operations
    },
    kinds=kinds.__file__,
)
