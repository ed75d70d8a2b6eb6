"""symbolscope: probes."""
