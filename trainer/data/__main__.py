"""``python -m trainer.data``: see :mod:`trainer.data.cli`."""

from trainer.data.cli import main
from trainer.data.errors import run_cli

if __name__ == "__main__":
    raise SystemExit(run_cli(main))
