"""One user-error type, one CLI wrapper, one logger: how every command of the suite fails.

A :class:`UserError` is a mistake in what the user asked for; :func:`run_cli` prints it as one
line ``error: <message>`` and returns exit status 2, never a traceback.
"""

from __future__ import annotations

import errno
import logging
import sys
from collections.abc import Callable, Sequence

LOGGER_NAME = "symbolscope"


class UserError(Exception):
    """A mistake in what the user asked for (a typo, a missing file, a malformed row).

    The message is one line saying what was asked, where, and how to fix it. CLIs print it
    as ``error: <message>`` and exit with status 2; it is never shown as a traceback.
    """


def get_logger(name: str | None = None) -> logging.Logger:
    """Return the suite's logger (or a child of it); configures a stderr handler once."""
    root = logging.getLogger(LOGGER_NAME)
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False
    return root if name is None else root.getChild(name)


def run_cli(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None = None) -> int:
    """Run a CLI ``main(argv)``; turn a :class:`UserError` into one line on stderr and exit 2.

    Returns the exit status (0 on success) so that ``raise SystemExit(run_cli(main))`` works.
    """
    try:
        status = main(argv)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except OSError as err:  # the backstop for a full disk that no writer named
        if err.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        print(
            f"error: cannot write {err.filename or '(a file)'}: {err.strerror}; free some space and rerun",
            file=sys.stderr,
        )
        return 2
    return int(status or 0)
