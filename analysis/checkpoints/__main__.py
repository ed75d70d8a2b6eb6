"""``python -m analysis.checkpoints``."""

from analysis.checkpoints.cli import main
from symbolscope.errors import run_cli

raise SystemExit(run_cli(main))
