"""``python -m trainer.data``: see :mod:`trainer.data.cli`."""

from symbolscope.errors import run_cli
from trainer.data.cli import main

if __name__ == "__main__":
    raise SystemExit(run_cli(main))
