"""XPath location paths over generated XML catalogues (ElementPath)."""

from __future__ import annotations

from symbolcollection import normalise
from symbolcollection.checkers.structured import check_xpath
from symbolcollection.execution import xpath_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.tasks import xpath
from symbolcollection.tasks.base import GEN

FAMILY = Family(
    name="xpath",
    languages=xpath.LANGS,
    tasks=(Task("nl2xpath-catalogue", "generated XML catalogues", GEN, xpath.gen_xpath, 300),),
    check=check_xpath,
    exact=normalise.no_space,
    exact_rule="all whitespace removed",
    execution=Execution("selects the same elements of the sample's XML", xpath_judge),
    no_depth="a location path is a flat sequence of steps (predicates barely nest)",
    one_line=True,
    infer=(Rule(110, r"^\s*/{1,2}[A-Za-z*@]"),),
)
