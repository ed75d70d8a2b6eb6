"""``python -m lm.checkpoints``."""

from lm.checkpoints.cli import main
from symbolscope.errors import run_cli

raise SystemExit(run_cli(main))
