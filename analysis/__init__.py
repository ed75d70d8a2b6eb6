"""symbolscope: analysis."""
