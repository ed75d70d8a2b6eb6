"""Symbol-LLM trainer: the two SFT stages over the Symbolic Collection (:mod:`symbolcollection`).

``trainer.data`` is a shim that keeps ``python -m trainer.data ...`` and its imports working.
"""
