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
