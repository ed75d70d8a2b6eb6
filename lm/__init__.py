"""What the trainer and the studies share on the model side.

:mod:`lm.checkpoints` (aliases, loading, fingerprints), :mod:`lm.masking` (chat-rendered examples
with loss only on the response), :mod:`lm.packing` (samples packed into rows, each attending only to itself),
:mod:`lm.forward` (the packed forward pass and its loss) and :mod:`lm.loss` (validation loss).
It sits between the Symbolic Collection (:mod:`symbolcollection`, which it reads) and the
``trainer`` and ``analysis`` packages (which read it and never each other). Keep this ``__init__``
free of imports: ``import lm.checkpoints`` must not load torch.
"""
