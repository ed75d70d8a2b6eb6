"""Symbol-LLM trainer: the Symbolic Collection (``trainer.data``) and the two SFT stages."""
