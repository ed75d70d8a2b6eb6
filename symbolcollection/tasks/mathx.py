"""NL→math: expressions (checked by ``sympy``, equal to the intended expression) and word problems
as ``solution()`` programs (evaluated, equal to the computed answer)."""

from __future__ import annotations

import random

from symbolcollection.tasks.base import Draft, phrase, pick

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
