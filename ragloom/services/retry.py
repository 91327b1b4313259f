"""Retrying a transaction that lost a uniqueness race."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from ragloom.errors import ConflictError

T = TypeVar("T")
ATTEMPTS = 8


def retry_on_conflict(attempt: Callable[[], T], *, what: str) -> T:
    """Run ``attempt`` (one whole transaction) again when a unique index refuses it.

    On SQLite writers are serialised, so this only matters on servers such as PostgreSQL
    where two transactions can pick the same free name at once.
    """
    for _ in range(ATTEMPTS - 1):
        try:
            return attempt()
        except IntegrityError:
            continue
    try:
        return attempt()
    except IntegrityError as error:
        raise ConflictError(f"Could not save {what}: it conflicts with a concurrent change") from error
