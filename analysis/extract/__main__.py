"""``python -m analysis.extract``."""

from analysis.extract.cli import main
from symbolscope.errors import run_cli

raise SystemExit(run_cli(main))
