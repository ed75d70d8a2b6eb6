"""``python -m analysis.uniformity``: see :mod:`analysis.uniformity.cli`."""

from analysis.uniformity.cli import main
from symbolscope.errors import run_cli

raise SystemExit(run_cli(main))
