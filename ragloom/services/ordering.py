"""The ``orderby`` of a list request (documents, chats, sessions), checked one way.

RAGFlow v0.26 hands any ``orderby`` to its database and fails with code 100 on one that names
no column; its own tests expect an argument error instead. Any column that orders sensibly is
accepted here (``name`` too); anything else is refused before the list is read.
"""

from __future__ import annotations

from collections.abc import Collection

from ragloom.errors import DataError

UNKNOWN_ORDERBY = "orderby should be create_time or update_time"
"""The refusal, in the words RAGFlow's tests expect (code 102)."""


def check_orderby(orderby: str, columns: Collection[str]) -> None:
    """Refuse ``orderby`` (102) unless it is one of ``columns``."""
    if orderby not in columns:
        raise DataError(UNKNOWN_ORDERBY)
