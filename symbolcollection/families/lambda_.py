"""Lambda-calculus logical forms in the GeoQuery style (the module is ``lambda_``: a keyword)."""

from __future__ import annotations

import random

from symbolcollection import depth
from symbolcollection.checkers.logic import check_lambda
from symbolcollection.family import Family, Rule, Task
from symbolcollection.rename import fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks import geo
from symbolcollection.tasks.base import GEN


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The declared predicates renamed (a typed name ``p:t`` keeps its type suffix)."""
    from symbolcollection.checkers.logic import declared_predicates

    taken: set[str] = set()
    mapping = {
        p: fresh_name(rng, "lower", taken) + p[p.index(":") :]
        if ":" in p
        else fresh_name(rng, "lower", taken)
        for p in declared_predicates(sample.input)
    }
    texts = (sample.instruction, sample.input, sample.output)
    return renamed(sample, *(rename_words(t, mapping, r"[\w:]") for t in texts))


FAMILY = Family(
    name="lambda",
    languages=geo.LANGS,
    tasks=(
        Task("nl2lambda-geoquery", "GeoQuery-style templates over US geography", GEN, geo.gen_geoquery, 300),
    ),
    check=check_lambda,
    evolve=evolve,
    depth=depth.lark_depth("LAMBDA_GRAMMAR"),
    one_line=True,
    infer=(Rule(40, r"\(lambda \$\d|\([a-z_]+:[a-z]\s"),),
    packages=("lark",),
)
