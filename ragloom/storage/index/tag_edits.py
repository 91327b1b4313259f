"""How renaming and removing tags change a chunk's tag list, for every backend that rewrites the
stored JSON list itself (see ``replace_tag`` and ``remove_tags`` of the chunk-index protocol)."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from typing import Any

TagChange = Callable[[list[str]], list[str]]


def renaming(old: str, new: str) -> TagChange:
    """``new`` in place of ``old``, once per chunk (a chunk that has both keeps one)."""

    def renamed(tags: list[str]) -> list[str]:
        return list(dict.fromkeys(new if tag == old else tag for tag in tags))

    return renamed


def removing(tags: Collection[str]) -> TagChange:
    """The list without ``tags``."""
    removed = set(tags)

    def kept(current: list[str]) -> list[str]:
        return [tag for tag in current if tag not in removed]

    return kept


def rewritten(rows: Iterable[tuple[Any, str]], change: TagChange) -> list[tuple[str, Any]]:
    """For each ``(key, stored JSON list)`` the change alters: ``(new JSON list, key)``."""
    updates = []
    for key, stored in rows:
        before = json.loads(stored)
        after = change(before)
        if after != before:
            updates.append((json.dumps(after, ensure_ascii=False), key))
    return updates
