"""Tags of the SQLite index: counted with SQLite's ``json_each`` over the ``tag_keywords``
column (a JSON list), rewritten chunk by chunk in one write transaction.

Tags are not part of the in-memory snapshots (see :mod:`ragloom.storage.index.snapshot`),
so changing them does not bump the dataset's version.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

from ragloom.storage.index.tag_edits import TagChange, removing, renaming, rewritten


def _placeholders(values: Collection[object]) -> str:
    return ", ".join("?" for _ in values)


def tag_counts(connection: sqlite3.Connection, dataset_ids: Collection[str]) -> list[tuple[str, int]]:
    """How many listed chunks of the datasets carry each tag, most common first."""
    datasets = list(dataset_ids)
    if not datasets:
        return []
    rows = connection.execute(
        "SELECT tag.value, count(DISTINCT chunk.rowid) AS carriers "
        "FROM chunk, json_each(chunk.tag_keywords) AS tag "
        f"WHERE chunk.dataset_id IN ({_placeholders(datasets)}) AND chunk.parent_id = '' AND chunk.kind = 'chunk' "
        "AND tag.type = 'text' GROUP BY tag.value ORDER BY carriers DESC, tag.value",
        datasets,
    ).fetchall()
    return [(str(tag), int(count)) for tag, count in rows]


def _rewrite(connection: sqlite3.Connection, dataset_id: str, tags: Collection[str], change: TagChange) -> int:
    """Apply ``change`` to the tag list of every chunk of the dataset carrying one of ``tags``."""
    wanted = list(tags)
    if not wanted:
        return 0
    rows = connection.execute(
        "SELECT rowid, tag_keywords FROM chunk WHERE dataset_id = ? AND EXISTS "
        f"(SELECT 1 FROM json_each(chunk.tag_keywords) WHERE value IN ({_placeholders(wanted)}))",
        [dataset_id, *wanted],
    ).fetchall()
    updates = rewritten(rows, change)
    connection.executemany("UPDATE chunk SET tag_keywords = ? WHERE rowid = ?", updates)
    return len(updates)


def replace_tag(connection: sqlite3.Connection, dataset_id: str, old: str, new: str) -> int:
    """``new`` in place of ``old`` (once per chunk) in every chunk carrying ``old``."""
    return _rewrite(connection, dataset_id, [old], renaming(old, new))


def remove_tags(connection: sqlite3.Connection, dataset_id: str, tags: Collection[str]) -> int:
    """The tags taken out of every chunk carrying one of them."""
    return _rewrite(connection, dataset_id, set(tags), removing(tags))
