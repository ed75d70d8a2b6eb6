"""Shared test setup: no test may reach a model hub, and the embedded models come from the cache
that ``make install`` fills (``python -m lm.checkpoints prepare``)."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import sys
from pathlib import Path

# Shared helpers live in tests/support (a package, not a test module): make it importable from
# every tier (unit/, parity/, e2e/).
sys.path.insert(0, str(Path(__file__).resolve().parent))
