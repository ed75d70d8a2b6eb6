"""One module per symbol family, each defining ``FAMILY`` (a :class:`symbolcollection.family.Family`).

The list and order of families is :mod:`symbolcollection.registry`'s. A family module imports its
parsers inside functions, so importing it stays cheap.
"""
