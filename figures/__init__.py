"""symbolscope: figures."""
