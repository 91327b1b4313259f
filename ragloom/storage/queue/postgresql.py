"""The scale-out task queue: the ``task`` table of the PostgreSQL metadata database, shared by
``ragloom worker`` processes on many hosts.

Transactions run at PostgreSQL's default READ COMMITTED, so the queue takes row locks:

- a claim selects the next task ``FOR UPDATE SKIP LOCKED``: claimers never wait on one another
  and never take the same task (a row another claimer locked is passed over, and the next taken);
- a fenced write (:meth:`~SqlTaskQueue.hold`) locks the task's row ``FOR UPDATE`` before it
  compares lease tokens, and a take-back locks the rows it takes back, so a stale worker cannot
  check its token, be taken over, and then write;
- a take-back lists leased rows ``FOR UPDATE SKIP LOCKED``: two reapers on two hosts never take
  back the same task twice (the second passes over it).
"""

from __future__ import annotations

from ragloom.storage.queue.sql import SqlTaskQueue


class PostgresTaskQueue(SqlTaskQueue):
    """Tasks in PostgreSQL (≥ 15); the row locks of :class:`SqlTaskQueue` are real here."""
