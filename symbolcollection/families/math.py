"""Arithmetic and algebra: expressions (sympy-equal to the gold) and word-problem programs
(``solution()`` run in the sandbox)."""

from __future__ import annotations

import re

from symbolcollection import lexing
from symbolcollection.checkers.structured import check_math
from symbolcollection.execution import math_jobs, math_judge
from symbolcollection.families.python import python_depth
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.tasks import mathx
from symbolcollection.tasks.base import GEN

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
    languages=mathx.EXPR_LANGS,
    tasks=(
        Task("nl2math-expression", "algebra phrase generator", GEN, mathx.gen_expression, 160),
        Task(
            "math-word-problem-program",
            "word-problem templates",
            GEN,
            mathx.gen_word_problem,
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
)
