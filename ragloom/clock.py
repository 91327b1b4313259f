"""Time as the API shows it: epoch milliseconds and RFC 1123 dates."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import format_datetime


def now_ms() -> int:
    """The current time in integer epoch milliseconds."""
    return time.time_ns() // 1_000_000


def http_date(epoch_ms: int | None) -> str | None:
    """``epoch_ms`` as ``"Mon, 28 Apr 2025 18:40:41 GMT"`` (UTC), or ``None``."""
    if epoch_ms is None:
        return None
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return format_datetime(moment, usegmt=True)


def datetime_text(epoch_seconds: float | None) -> str | None:
    """``epoch_seconds`` as ``"2026-01-04 19:56:42"`` (UTC), the form memory messages show; or ``None``."""
    if epoch_seconds is None:
        return None
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
