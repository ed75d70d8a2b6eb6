"""The checkers the families point at (:attr:`symbolcollection.family.Family.check`): a real parser
or executor that accepts or rejects an output.

A checker takes a :class:`~symbolcollection.schema.Sample` (it may read definitions from
``instruction``/``input``: a schema, predicates, tool signatures, examples) and raises
:class:`CheckFailed` with a one-line reason when the output is not valid for its family. A
sample is checked by its family through :func:`symbolcollection.registry.reason`. Parsers are
imported on first use so that ``import symbolcollection`` stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable

from symbolcollection.family import CheckFailed
from symbolcollection.schema import Sample

__all__ = ["CheckFailed", "Checker"]

Checker = Callable[[Sample], None]
