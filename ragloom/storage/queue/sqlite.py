"""The embedded task queue: the ``task`` table of the SQLite metadata database.

SQLite has no row locks, and needs none here: the metadata store begins every writing
transaction with ``BEGIN IMMEDIATE``, so writers run one at a time and a claim's read of the next
task and its update cannot interleave with another claim or take-back. The worker processes of one
``ragloom serve`` (one machine, one data directory) share it.
"""

from __future__ import annotations

from ragloom.storage.queue.sql import SqlTaskQueue


class SqliteTaskQueue(SqlTaskQueue):
    """Tasks in SQLite; the ``FOR UPDATE`` clauses of :class:`SqlTaskQueue` compile to nothing here."""
