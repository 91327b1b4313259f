"""Identifiers as RAGFlow shapes them: 32 lowercase hex digits of a version-1 UUID."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """A fresh resource id (dataset, document, tenant, ...)."""
    return uuid.uuid1().hex


def parse_uuid(value: object) -> uuid.UUID | None:
    """``value`` as a UUID if it is a string in any UUID form, else ``None``."""
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
