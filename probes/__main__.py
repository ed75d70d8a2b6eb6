"""``python -m probes``: see :mod:`probes.cli`."""

from probes.cli import main
from symbolscope.errors import run_cli

raise SystemExit(run_cli(main))
