"""Server-sent events as RAGFlow frames them: ``data:`` + compact JSON + a blank line.

The charset in the content type matters: ``requests`` decodes ``text/*`` without one as
Latin-1, which garbles every non-ASCII answer. So do the line breaks inside an event: JSON
leaves U+0085, U+2028 and U+2029 raw, and a client that splits the stream with
``str.splitlines`` — ``ragflow-sdk``, through ``requests``' ``iter_lines(decode_unicode=True)`` —
breaks the event there and drops it, so :func:`event` escapes them (the JSON means the same).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.responses import StreamingResponse

from ragloom.api.envelopes import dumps

MEDIA_TYPE = "text/event-stream; charset=utf-8"
HEADERS = {"Cache-Control": "no-cache", "Connection": "keep-alive", "X-Accel-Buffering": "no"}
# Characters ``str.splitlines`` breaks at that JSON does not escape, as UTF-8, and their JSON escapes.
LINE_BREAKS = {
    "\u0085".encode(): b"\\u0085",
    "\u2028".encode(): b"\\u2028",
    "\u2029".encode(): b"\\u2029",
}


def event(payload: Any) -> bytes:
    """One event carrying ``payload`` as JSON (no space after ``data:``, as RAGFlow sends), on one
    line however a client splits lines."""
    data = dumps(payload)
    for raw, escaped in LINE_BREAKS.items():
        data = data.replace(raw, escaped)
    return b"data:" + data + b"\n\n"


def raw_event(text: str) -> bytes:
    """One event carrying ``text`` as it is (OpenAI's ``[DONE]``)."""
    return b"data:" + text.encode("utf-8") + b"\n\n"


def stream(events: Iterator[bytes]) -> StreamingResponse:
    """A streaming response sending each item as soon as it is produced."""
    return StreamingResponse(events, media_type=MEDIA_TYPE, headers=HEADERS)
