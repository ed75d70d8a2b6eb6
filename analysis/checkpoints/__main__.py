"""``python -m analysis.checkpoints``: the CLI of :mod:`lm.checkpoints` under its former name."""

from lm.checkpoints.cli import main
from symbolscope.errors import run_cli

raise SystemExit(run_cli(lambda argv: main(argv, prog="python -m analysis.checkpoints")))
