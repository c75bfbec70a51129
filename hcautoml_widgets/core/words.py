"""Words in the sentences the package writes for people: counted nouns ("1 trial", "3 trials")
and values as the views show them (4 significant digits)."""

from __future__ import annotations


def plural(n: int, noun: str) -> str:
    """``n`` and ``noun``, with an "s" unless ``n`` is 1."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def shown(v: object, quote: bool = True) -> str:
    """A value as the views show it: a float to 4 significant digits (a note reading
    "0.000346725024472669 outside [0.00157674761302, 0.109896160923]" hides what it says), a
    numpy scalar as the plain number it holds, a string quoted unless ``quote`` is false,
    anything else as Python writes it."""
    item = getattr(v, "item", None)
    if callable(item) and not isinstance(v, (int, float, str)):
        v = item()
    if isinstance(v, float):
        return f"{v:.4g}"
    return repr(v) if isinstance(v, str) and quote else str(v)
