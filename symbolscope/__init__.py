"""symbolscope: the conventions every package of the suite shares.

This is the leaf of the project's import graph: it imports no other package of the project.

- :mod:`symbolscope.errors` — :class:`UserError` (one line, exit 2), :func:`run_cli`, the logger;
- :mod:`symbolscope.io` — the one atomic writer (files, folders, figures), permissions, hashing;
- :mod:`symbolscope.paths` — the cache home, the settings file, the runs and store roots;
- :mod:`symbolscope.version` — the code version recorded in every output;
- :mod:`symbolscope.results` — the :class:`~symbolscope.results.Result` object and its files;
- :mod:`symbolscope.distributed` — rank, world and the few collectives (trainer and extraction);
- :mod:`symbolscope.cli` — command-line options from the typed configs (every default written once).
"""
