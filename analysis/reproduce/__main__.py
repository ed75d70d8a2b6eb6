"""``python -m analysis.reproduce``: see :mod:`analysis.reproduce`."""

from analysis.reproduce import main
from symbolscope.errors import run_cli

raise SystemExit(run_cli(main))
