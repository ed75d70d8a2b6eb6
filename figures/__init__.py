"""symbolscope figures: one module per figure, each a pure function ``result -> matplotlib Figure``.

``python -m figures NAME|all`` regenerates them from ``results/``.
"""
