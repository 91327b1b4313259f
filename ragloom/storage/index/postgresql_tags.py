"""Tags of the PostgreSQL index: counted over the ``tag_keywords`` JSON lists, rewritten chunk by
chunk in one transaction (the changes themselves are :mod:`ragloom.storage.index.tag_edits`')."""

from __future__ import annotations

from collections.abc import Collection

from ragloom.storage.index.postgresql_connections import Connection
from ragloom.storage.index.tag_edits import TagChange, removing, renaming, rewritten


def tag_counts(connection: Connection, dataset_ids: Collection[str]) -> list[tuple[str, int]]:
    """How many listed chunks of the datasets carry each tag, most common first, ties in byte order."""
    datasets = list(dataset_ids)
    if not datasets:
        return []
    rows = connection.execute(
        "SELECT tag.element #>> '{}' COLLATE \"C\" AS value, count(DISTINCT record.rowid) AS carriers "
        "FROM index_record AS record "
        "CROSS JOIN LATERAL jsonb_array_elements(record.tag_keywords::jsonb) AS tag(element) "
        "WHERE record.dataset_id = ANY(%s) AND record.parent_id = '' AND record.kind = 'chunk' "
        "AND jsonb_typeof(tag.element) = 'string' GROUP BY value ORDER BY carriers DESC, value",
        (datasets,),
    ).fetchall()
    return [(str(tag), int(count)) for tag, count in rows]


def _rewrite(connection: Connection, dataset_id: str, tags: Collection[str], change: TagChange) -> int:
    """Apply ``change`` to the tag list of every record of the dataset carrying one of ``tags``."""
    wanted = list(tags)
    if not wanted:
        return 0
    rows = connection.execute(
        "SELECT rowid, tag_keywords FROM index_record WHERE dataset_id = %s AND tag_keywords::jsonb ?| %s "
        "ORDER BY rowid FOR UPDATE",
        (dataset_id, wanted),
    ).fetchall()
    updates = rewritten(rows, change)
    if updates:
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE index_record SET tag_keywords = %s WHERE rowid = %s", updates)
    return len(updates)


def replace_tag(connection: Connection, dataset_id: str, old: str, new: str) -> int:
    """``new`` in place of ``old`` (once per chunk) in every chunk carrying ``old``."""
    return _rewrite(connection, dataset_id, [old], renaming(old, new))


def remove_tags(connection: Connection, dataset_id: str, tags: Collection[str]) -> int:
    """The tags taken out of every chunk carrying one of them."""
    return _rewrite(connection, dataset_id, set(tags), removing(tags))
