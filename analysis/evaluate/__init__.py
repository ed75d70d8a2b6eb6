"""Executed evaluation: symbolic, general and Symbol+Delegation scores (issue 13)."""
