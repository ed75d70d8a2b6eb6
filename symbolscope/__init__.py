"""symbolscope: the conventions every package of the suite shares.

This is the leaf of the project's import graph: it imports no other package of the project.

- :mod:`symbolscope.errors` — :class:`UserError` (one line, exit 2), :func:`run_cli`, the logger;
- :mod:`symbolscope.io` — the one atomic writer (files, folders, figures), permissions, hashing;
- :mod:`symbolscope.paths` — the cache home, the settings file, the runs and store roots;
- :mod:`symbolscope.version` — the code version recorded in every output;
- :mod:`symbolscope.results` — the :class:`~symbolscope.results.Result` object and its files;
- :mod:`symbolscope.distributed` — rank, world and the few collectives (trainer and extraction).
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any


def callable_module(module_name: str, function: Callable[..., Any]) -> None:
    """Make module ``module_name`` callable as ``function``.

    A study's module and its library function share one name (``analysis.align_uniform`` is both
    the module and ``align_uniform(...)``), and Python binds a submodule to its package's
    attribute once it is imported; a callable module keeps ``analysis.align_uniform(...)``
    working either way, while ``from analysis.align_uniform import X`` still reads the module.
    """
    module = sys.modules[module_name]

    class _Callable(types.ModuleType):
        __doc__ = module.__doc__

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

    module.__class__ = _Callable
