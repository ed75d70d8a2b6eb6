"""LaTeX formulas, parsed by the collection's LaTeX checker."""

from __future__ import annotations

from symbolcollection import depth, normalise
from symbolcollection.checkers.structured import check_latex
from symbolcollection.family import Family, Rule, Task
from symbolcollection.tasks import mathx
from symbolcollection.tasks.base import GEN

_COMMANDS = "frac|int|sum|sqrt|begin|lim|prod|binom|left|log|sin|cos|tan|cdot|alpha|beta|theta|pi"


def group_depth(text: str) -> int:
    """Nesting of ``{}`` groups."""
    return depth.bracket_depth(text, "{}")


FAMILY = Family(
    name="latex",
    languages=mathx.TEX_LANGS,
    tasks=(Task("nl2latex-formula", "formula phrase generator", GEN, mathx.gen_latex, 280, slow=True),),
    check=check_latex,
    exact=normalise.no_space,
    exact_rule="all whitespace removed",
    depth=group_depth,
    one_line=True,
    infer=(Rule(80, rf"\\({_COMMANDS})(?![A-Za-z])|\^\{{"),),
)
