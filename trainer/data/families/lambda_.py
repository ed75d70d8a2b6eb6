"""Lambda-calculus logical forms in the GeoQuery style (the module is ``lambda_``: a keyword)."""

from __future__ import annotations

from trainer.data import depth, evol
from trainer.data.checkers.logic import check_lambda
from trainer.data.family import Family, Rule, Task
from trainer.data.tasks import geo
from trainer.data.tasks.base import GEN

FAMILY = Family(
    name="lambda",
    languages=geo.LANGS,
    tasks=(
        Task("nl2lambda-geoquery", "GeoQuery-style templates over US geography", GEN, geo.gen_geoquery, 300),
    ),
    check=check_lambda,
    evolve=evol._evolve_decl,
    depth=depth._lark_depth("LAMBDA_GRAMMAR"),
    one_line=True,
    infer=(Rule(40, r"\(lambda \$\d|\([a-z_]+:[a-z]\s"),),
    packages=("lark",),
)
