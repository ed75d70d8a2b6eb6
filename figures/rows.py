"""What each figure needs of a result's rows, checked once before anything is drawn.

A figure reads fields of the rows of its analysis; :data:`FIELDS` names them with their kind
(text, number, layer, interval), whether ``null`` is allowed (the figures skip such rows) and
whether a field may be absent. :func:`check_rows` refuses a NaN or infinite number, a string
where a number belongs, a missing or null field that a figure would draw, with one line
naming the file, the row and the field; a figure never draws from such a value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from symbolscope.errors import UserError
from symbolscope.results import Result


class Field(NamedTuple):
    """A field's ``kind`` (``text | number | layer | interval``), ``null`` allowed, ``optional`` (may be absent)."""

    kind: str
    null: bool = False
    optional: bool = False


TEXT, NUM, LAYER = Field("text"), Field("number"), Field("layer")
NUM_NULL = Field("number", null=True)
NUM_OPT = Field("number", null=True, optional=True)
TEXT_OPT = Field("text", null=True, optional=True)
CI_OPT = Field("interval", null=True, optional=True)

#: analysis -> fields every row of it must hold for the figures that read it.
FIELDS: dict[str, dict[str, Field]] = {
    "uniformity": {"ckpt": TEXT, "layer": LAYER, "family": TEXT, "alignment": NUM_NULL, "uniformity": NUM_NULL,
                   "alignment_ci": CI_OPT, "uniformity_ci": CI_OPT, "fingerprint": TEXT_OPT},
    "training": {"run": TEXT, "stage": TEXT, "metric": TEXT, "source": TEXT, "step": NUM_NULL, "value": NUM,
                 "role": TEXT_OPT},
    "similarity": {"ckpt_a": TEXT, "ckpt_b": TEXT, "measure": TEXT, "layer_a": LAYER, "layer_b": LAYER,
                   "value": NUM, "family_a": TEXT_OPT, "family_b": TEXT_OPT},
    "projection": {"fit": TEXT, "ckpt": TEXT, "layer": LAYER, "family": TEXT, "x": NUM, "y": NUM},
    "probes": {"kind": TEXT, "ckpt": TEXT, "target": TEXT, "layer": Field("layer", null=True),
               "accuracy": NUM_OPT, "accuracy_ci": CI_OPT, "selectivity": NUM_OPT, "compression": NUM_OPT,
               "chance": NUM_OPT},
    "evaluate": {"ckpt": TEXT, "suite": TEXT_OPT, "family": TEXT_OPT, "task": TEXT_OPT, "accuracy": NUM_OPT,
             "accuracy_ci": CI_OPT, "exec_match": NUM_OPT, "exact_match": NUM_OPT, "chance": NUM_OPT,
             "fingerprint": TEXT_OPT},
    "ability_vs_geometry": {"kind": TEXT, "base": TEXT, "ours": TEXT, "layer": LAYER, "family": TEXT_OPT,
                            "d_ability": NUM_OPT, "d_alignment": NUM_OPT, "d_uniformity": NUM_OPT,
                            "geometry": TEXT_OPT, "rho": NUM_OPT, "rho_ci": CI_OPT, "n": NUM_OPT},
    "uniformity_symbols": {"ckpt": TEXT, "layer": LAYER, "family": TEXT, "pairs": TEXT,
                           "alignment": NUM_NULL, "alignment_ci": CI_OPT, "fingerprint": TEXT_OPT},
    "symbol_probes": {"kind": TEXT, "ckpt": TEXT, "target": TEXT, "layer": Field("layer", null=True),
                      "accuracy": NUM_OPT, "accuracy_ci": CI_OPT, "chance": NUM_OPT, "held_out": TEXT_OPT},
    "concept_map": {"ckpt": TEXT, "layer": LAYER, "concept": TEXT, "family": TEXT, "gap": NUM_NULL},
}  # fmt: skip


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fits(kind: str, value: Any) -> bool:
    if kind == "text":
        return isinstance(value, str)
    if kind == "number":
        return _number(value)
    if kind == "layer":
        return value == "final_norm" or (isinstance(value, int) and not isinstance(value, bool))
    return isinstance(value, list | tuple) and len(value) == 2 and all(_number(v) for v in value)


def _describe(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return f"{type(value).__name__} {str(value)[:40]!r}" if value is not None else "null"


def check_rows(rows: Iterable[Mapping[str, Any]], fields: Mapping[str, Field], where: str) -> None:
    """Raise one :class:`UserError` ``<where>: row <i>: field '<f>' ...`` for the first bad value."""
    for i, row in enumerate(rows):
        for name, spec in fields.items():
            if name not in row:
                if spec.optional:
                    continue
                raise UserError(
                    f"{where}: row {i}: field '{name}' is missing; the figure needs a {spec.kind}"
                )
            value = row[name]
            if value is None and spec.null:
                continue
            if not _fits(spec.kind, value):
                need = {"number": "a finite number", "interval": "a [low, high] pair of finite numbers"}.get(
                    spec.kind, f"a {spec.kind}"
                )
                raise UserError(
                    f"{where}: row {i}: field '{name}' is {_describe(value)}; the figure needs {need}"
                    f"{' or null' if spec.null else ''} (re-run the study that wrote it)"
                )


def check_result(analysis: str, result: Result) -> None:
    """Check the rows of ``result`` (of ``analysis``) against :data:`FIELDS`."""
    check_rows(result.rows, FIELDS.get(analysis, {}), str(result.path or analysis))
