"""The Symbolic Collection: sample schema, family list, loaders, builders, Symbol-Evol, mixing.

Importable by ``analysis`` and ``probes`` (DESIGN.md); keep this ``__init__`` free of heavy imports.
"""

from trainer.data.errors import UserError, get_logger, run_cli
from trainer.data.schema import FAMILIES, NL_FAMILY, SAMPLE_FIELDS, Sample

__all__ = ["FAMILIES", "NL_FAMILY", "SAMPLE_FIELDS", "Sample", "UserError", "get_logger", "run_cli"]
