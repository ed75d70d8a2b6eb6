"""``python -m symbolcollection``: see :mod:`symbolcollection.cli`."""

from symbolcollection.cli import main
from symbolscope.errors import run_cli

if __name__ == "__main__":
    raise SystemExit(run_cli(main))
