"""LaTeX formulas, parsed by the collection's LaTeX checker.

NL→LaTeX: spoken formulas (integrals, sums, fractions, roots, derivatives, limits), parsed by
``sympy``'s LaTeX parser."""

from __future__ import annotations

import random

from symbolcollection import depth, lexing, normalise
from symbolcollection.family import Family, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, Draft, phrase, pick

TEX_LANGS = ("LaTeX", "a LaTeX formula", "LaTeX math", "a LaTeX expression")


def _tex(rng: random.Random) -> tuple[str, str]:
    x = rng.choice(("x", "t", "y", "u", "s"))
    a, b, k = rng.randint(0, 3), rng.randint(4, 12), rng.randint(2, 9)
    kind = rng.randrange(13)
    if kind == 8:
        c = rng.randint(1, 9)
        return pick(
            rng,
            ("{k} {x} squared plus {b} {x} minus {c}", "the quadratic {k}{x}^2 + {b}{x} - {c}"),
            k=k,
            x=x,
            b=b,
            c=c,
        ), f"{k} {x}^{{2}} + {b} {x} - {c}"
    if kind == 9:
        return pick(
            rng, ("log base {k} of {x}", "the base-{k} logarithm of {x}"), k=k, x=x
        ), f"\\log_{{{k}}}{{{x}}}"
    if kind == 10:
        return pick(
            rng, ("{b} choose {k}", "the binomial coefficient of {b} and {k}"), b=b + k, k=k
        ), f"\\binom{{{b + k}}}{{{k}}}"
    if kind == 11:
        return pick(
            rng,
            ("the product for j from {a} to {b} of j plus {k}", "product of (j + {k}), j = {a}..{b}"),
            a=a + 1,
            b=b,
            k=k,
        ), f"\\prod_{{j={a + 1}}}^{{{b}}} \\left(j + {k}\\right)"
    if kind == 12:
        c = rng.randint(2, 9)
        return pick(
            rng, ("{k} over {x} plus {x} over {c}", "the sum of fractions {k}/{x} and {x}/{c}"), k=k, x=x, c=c
        ), f"\\frac{{{k}}}{{{x}}} + \\frac{{{x}}}{{{c}}}"
    if kind == 0:
        return pick(
            rng,
            ("the integral from {a} to {b} of {x} to the {k} d{x}", "integrate {x}^{k} over [{a}, {b}]"),
            a=a,
            b=b,
            x=x,
            k=k,
        ), f"\\int_{{{a}}}^{{{b}}} {x}^{{{k}}} \\, d{x}"
    if kind == 1:
        return pick(
            rng, ("the sum for i from 1 to n of i to the {k}", "sum of i^{k}, i running from 1 to n"), k=k
        ), f"\\sum_{{i=1}}^{{n}} i^{{{k}}}"
    if kind == 2:
        return pick(
            rng, ("{x} squared plus {k} over {b}", "the fraction ({x}^2 + {k}) / {b}"), x=x, k=k, b=b
        ), f"\\frac{{{x}^{{2}} + {k}}}{{{b}}}"
    if kind == 3:
        return pick(
            rng, ("the square root of {x} plus {k}", "root of ({x} + {k})"), x=x, k=k
        ), f"\\sqrt{{{x} + {k}}}"
    if kind == 4:
        return pick(
            rng, ("the derivative of sine of {k}{x} with respect to {x}", "d/d{x} of sin({k}{x})"), x=x, k=k
        ), f"\\frac{{d}}{{d{x}}} \\sin{{\\left({k} {x}\\right)}}"
    if kind == 5:
        return pick(
            rng,
            ("the limit as {x} goes to 0 of sin {x} over {x}", "lim of sin({x})/{x} for {x} to zero"),
            x=x,
        ), f"\\lim_{{{x} \\to 0}} \\frac{{\\sin{{{x}}}}}{{{x}}}"
    if kind == 6:
        return pick(
            rng, ("e to the {k}{x} times cosine of {x}", "exp({k}{x}) multiplied by cos {x}"), x=x, k=k
        ), f"e^{{{k} {x}}} \\cdot \\cos{{{x}}}"
    return pick(
        rng, ("the absolute value of {x} minus {b}", "|{x} - {b}|"), x=x, b=b
    ), f"\\left|{x} - {b}\\right|"


def gen_latex(rng: random.Random, n: int) -> list[Draft]:
    """Spoken formulas (integrals, sums, fractions, roots, derivatives, limits) to LaTeX."""
    out = []
    for _ in range(n):
        q, tex = _tex(rng)
        request = pick(rng, ("Typeset {q}.", "Write {q} as a formula.", "Format {q} for a paper."), q=q)
        out.append(
            phrase(rng, "nl2latex-formula", "latex", request, TEX_LANGS, tex, "generated:latex-phrases")
        )
    return out


def check_latex(sample: Sample) -> None:
    """Parse with ``sympy.parsing.latex.parse_latex`` (lark backend)."""
    from sympy.parsing.latex import parse_latex

    parse_latex(sample.output.strip(), backend="lark")


_COMMANDS = "frac|int|sum|sqrt|begin|lim|prod|binom|left|log|sin|cos|tan|cdot|alpha|beta|theta|pi"


def group_depth(text: str) -> int:
    """Nesting of ``{}`` groups."""
    return depth.bracket_depth(text, "{}")


_LEXER = lexing.RegexLexer(
    (
        lexing.Pattern("keyword", r"\\[A-Za-z]+"),  # control word: \frac, \sin, \left
        lexing.Pattern("punctuation", r"\\[^A-Za-z]"),  # control symbol: \, \{ \\
        lexing.Pattern("punctuation", r"[{}\[\]()|,;.&~]"),
        lexing.Pattern("operator", r"[\^_+\-*/=<>!':]"),
        lexing.Pattern("literal", r"\d+(?:\.\d+)?"),
        lexing.Pattern("identifier", r"[A-Za-z]"),  # one letter, one variable (xy is x times y)
    ),
    skip=r"\s+|%[^\n]*",
)


def lex_latex(text: str) -> list[lexing.Symbol]:
    """LaTeX math symbols: control words keywords, control symbols, braces, brackets and
    delimiters punctuation, ``^`` ``_`` and arithmetic and relation characters operators, numbers
    literals, each letter an identifier; ``%`` comments are trivia."""
    return _LEXER(text)


FAMILY = Family(
    name="latex",
    languages=TEX_LANGS,
    tasks=(Task("nl2latex-formula", "formula phrase generator", GEN, gen_latex, 280, slow=True),),
    check=check_latex,
    exact=normalise.no_space,
    exact_rule="all whitespace removed",
    depth=group_depth,
    one_line=True,
    infer=(Rule(80, rf"\\({_COMMANDS})(?![A-Za-z])|\^\{{"),),
    lex=lex_latex,
    concepts={  # LaTeX math mode (Lamport, LaTeX: A Document Preparation System, 2nd ed., §3.3)
        "equality": ("=",),  # §3.3: relation symbols, =
        "aggregation": ("\\sum", "\\prod"),  # §3.3: variable-sized symbols, \sum (Σ) and \prod (Π)
        "addition": ("+",),  # §3.3: binary operations, +
        "multiplication": ("\\cdot",),  # §3.3: binary operation symbols, \cdot
    },
)
