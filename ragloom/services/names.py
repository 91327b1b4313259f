"""Name rules shared by resources: de-duplication by numbered suffix."""

from __future__ import annotations

import re
from collections.abc import Callable

_NUMBERED = re.compile(r"^(?P<stem>.*)\((?P<number>\d+)\)$")
MAX_RENAMES = 10_000


def split_extension(name: str) -> tuple[str, str]:
    """``"a.b.txt"`` -> ``("a.b", ".txt")``; a name without a dot has no extension."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, f".{extension}"


def numbered(name: str) -> str:
    """The next numbered variant: ``a.txt`` -> ``a(1).txt``, ``a(1).txt`` -> ``a(2).txt``."""
    stem, extension = split_extension(name)
    match = _NUMBERED.match(stem)
    if match:
        return f"{match['stem']}({int(match['number']) + 1}){extension}"
    return f"{stem}(1){extension}"


def first_free_name(name: str, taken: Callable[[str], bool]) -> str:
    """``name`` if it is free, else the first numbered variant that is."""
    candidate = name
    for _ in range(MAX_RENAMES):
        if not taken(candidate):
            return candidate
        candidate = numbered(candidate)
    raise RuntimeError(f"No free name found for {name!r}")
