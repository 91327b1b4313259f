"""The message attributes of a snapshot's rows, so a memory search filters in memory.

A snapshot that holds messages keeps, aligned with its rows, each one's type, source, agent,
session, user and whether it is forgotten (chunk rows get empty values). Forgetting a message
bumps its memory's version like any rewrite, so these arrays are never stale. :func:`message_mask`
applies a :class:`~ragloom.storage.index.records.MessageFilter` with the same meaning as the SQL
of :func:`ragloom.storage.index.sql_messages.filter_sql` (the conformance tests hold both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ragloom.storage.index.records import MessageFilter

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt

COLUMNS = "message_type, message_source, message_agent, message_session, message_user, forget_at IS NOT NULL"
"""What a snapshot reads of each row for these arrays, in this order."""


@dataclass(frozen=True)
class MessageColumns:
    """Message attributes by row position."""

    types: npt.NDArray[np.object_]
    sources: npt.NDArray[np.int64]
    agents: npt.NDArray[np.object_]
    sessions: npt.NDArray[np.str_]
    users: npt.NDArray[np.object_]
    forgotten: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, rows: Sequence[Sequence[Any]]) -> MessageColumns:
        """The arrays of ``rows``, each ending with the values of :data:`COLUMNS`."""
        import numpy as np

        tails = [row[-6:] for row in rows]
        return cls(
            types=np.array([tail[0] or "" for tail in tails], dtype=object),
            sources=np.array([tail[1] or 0 for tail in tails], dtype=np.int64),
            agents=np.array([tail[2] or "" for tail in tails], dtype=object),
            sessions=np.array([tail[3] or "" for tail in tails], dtype=str),
            users=np.array([tail[4] or "" for tail in tails], dtype=object),
            forgotten=np.array([bool(tail[5]) for tail in tails], dtype=bool),
        )

    def __add__(self, other: MessageColumns) -> MessageColumns:
        import numpy as np

        return MessageColumns(
            np.concatenate([self.types, other.types]),
            np.concatenate([self.sources, other.sources]),
            np.concatenate([self.agents, other.agents]),
            np.concatenate([self.sessions, other.sessions]),
            np.concatenate([self.users, other.users]),
            np.concatenate([self.forgotten, other.forgotten]),
        )


def message_mask(
    columns: MessageColumns, is_message: npt.NDArray[np.bool_], available: npt.NDArray[np.bool_], where: MessageFilter
) -> npt.NDArray[np.bool_]:
    """The rows that are messages passing ``where``."""
    import numpy as np

    mask = is_message.copy()
    if where.message_types:
        mask &= np.isin(columns.types, list(where.message_types))
    if where.agent_ids:
        mask &= np.isin(columns.agents, list(where.agent_ids))
    if where.source_ids:
        mask &= np.isin(columns.sources, list(where.source_ids))
    if where.session_id is not None:
        mask &= columns.sessions == where.session_id
    if where.session_contains:
        mask &= np.char.find(columns.sessions, where.session_contains) >= 0
    if where.user_id is not None:
        mask &= columns.users == where.user_id
    if where.forgotten is not None:
        mask &= columns.forgotten == where.forgotten
    if where.available is not None:
        mask &= available == where.available
    return mask
