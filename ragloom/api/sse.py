"""Server-sent events as RAGFlow frames them: ``data:`` + compact JSON + a blank line.

The charset in the content type matters: ``requests`` decodes ``text/*`` without one as
Latin-1, which garbles every non-ASCII answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.responses import StreamingResponse

from ragloom.api.envelopes import dumps

MEDIA_TYPE = "text/event-stream; charset=utf-8"
HEADERS = {"Cache-Control": "no-cache", "Connection": "keep-alive", "X-Accel-Buffering": "no"}


def event(payload: Any) -> bytes:
    """One event carrying ``payload`` as JSON (no space after ``data:``, as RAGFlow sends)."""
    return b"data:" + dumps(payload) + b"\n\n"


def raw_event(text: str) -> bytes:
    """One event carrying ``text`` as it is (OpenAI's ``[DONE]``)."""
    return b"data:" + text.encode("utf-8") + b"\n\n"


def stream(events: Iterator[bytes]) -> StreamingResponse:
    """A streaming response sending each item as soon as it is produced."""
    return StreamingResponse(events, media_type=MEDIA_TYPE, headers=HEADERS)
