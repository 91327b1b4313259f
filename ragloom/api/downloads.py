"""Sending a document's stored bytes: as an attachment, or inline when a browser only shows them.

A preview is inline, but an uploaded page (HTML, SVG, XML, script) shown inline would run
in the API's origin. So only types a browser displays without running anything are sent
inline; everything else goes as an attachment under ``Content-Security-Policy: sandbox``
(no script, an opaque origin) even when a preview was asked for. PDFs stay inline and
unsandboxed: browsers' PDF viewers refuse to run in a sandbox. Every response already
carries ``X-Content-Type-Options: nosniff`` (:class:`~ragloom.api.middleware.SecurityHeaders`),
so a browser never second-guesses the declared type.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import StreamingResponse

from ragloom.services.documents import Download

_INLINE_IMAGES = frozenset({"png", "jpeg", "gif", "webp", "avif", "bmp", "tiff", "x-icon", "vnd.microsoft.icon"})
_INLINE_TEXT = frozenset({"plain", "csv", "markdown", "tab-separated-values"})


def shown_without_running(content_type: str) -> bool:
    """Whether a browser shows ``content_type`` without running anything it holds."""
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    if kind in {"audio", "video"} or media in {"application/pdf", "application/json"}:
        return True
    if kind == "image":
        return subtype in _INLINE_IMAGES  # not svg+xml, which can hold script
    # source code (text/x-python, ...) is text; text/html, text/xml and text/javascript are not
    return kind == "text" and (subtype in _INLINE_TEXT or subtype.startswith("x-"))


def content_disposition(kind: str, name: str) -> str:
    """``kind`` (``attachment`` or ``inline``) with ``name`` as an ASCII fallback and in UTF-8."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def send(download: Download, *, preview: bool) -> StreamingResponse:
    """The bytes of ``download``: a preview of a passive type inline, anything else as a
    sandboxed attachment."""
    inline = preview and shown_without_running(download.content_type)
    headers = {
        "Content-Disposition": content_disposition("inline" if inline else "attachment", download.name),
        "Content-Length": str(download.size),
    }
    if not inline:
        headers["Content-Security-Policy"] = "sandbox"
    return StreamingResponse(download.chunks, media_type=download.content_type, headers=headers)
