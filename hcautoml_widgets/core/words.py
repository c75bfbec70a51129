"""Counted nouns in the sentences the package writes for people ("1 trial", "3 trials")."""

from __future__ import annotations


def plural(n: int, noun: str) -> str:
    """``n`` and ``noun``, with an "s" unless ``n`` is 1."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
