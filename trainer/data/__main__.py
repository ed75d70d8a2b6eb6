"""``python -m trainer.data``: the CLI of :mod:`symbolcollection` under its former name."""

from symbolcollection.cli import main
from symbolscope.errors import run_cli

if __name__ == "__main__":
    raise SystemExit(run_cli(lambda argv: main(argv, prog="python -m trainer.data")))
