"""E-mail messages (eml): headers, body and attachments.

From, To, Cc, Subject and Date go to ``metadata`` under lower-case keys (decoded, as
displayed). The body is the plain-text part if there is one, else the HTML part made into
text by the HTML parser; a plain-text body becomes one text block per paragraph (blank-line
separated). Every attachment whose file type has a parser is parsed into
``ParsedDocument.attachments`` (messages attached to messages too, up to
:data:`MAX_DEPTH` deep); an attachment that cannot be parsed is skipped and logged, never
fatal to the message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextvars import ContextVar
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from typing import Any

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument
from ragloom.ingest.source import SourceFile

logger = logging.getLogger(__name__)

HEADERS = ("from", "to", "cc", "subject", "date")
MAX_DEPTH = 3
_depth: ContextVar[int] = ContextVar("email_depth", default=0)  # how many messages enclose this one


def parse(source: SourceFile, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument:
    """The message's body blocks, headers in ``metadata``, parsed attachments in ``attachments``."""
    if not source.data.strip():
        raise IngestError(f"{source.name} is empty")
    message = BytesParser(policy=policy.default).parsebytes(source.data)
    if not isinstance(message, EmailMessage) or not {name.lower() for name in message} & set(HEADERS):
        raise IngestError(f"{source.name} is not an e-mail message (it has none of the headers {', '.join(HEADERS)})")
    document = ParsedDocument(name=source.name, source_format=source.extension)
    raw = {name.lower(): value for name, value in message.raw_items()}
    document.metadata = {header: _header(message, header, raw[header]) for header in HEADERS if header in raw}
    document.blocks = _body_blocks(message)
    context.progress(0.3, "Message body read.")
    attachments = list(message.iter_attachments()) if _depth.get() < MAX_DEPTH else []
    inner_config = {key: value for key, value in config.items() if key != "pages"}  # pages of the message, not theirs
    token = _depth.set(_depth.get() + 1)
    try:
        for index, part in enumerate(attachments):
            share = 0.7 / len(attachments)
            parsed = _attachment(part, inner_config, context.stage(0.3 + share * index, 0.3 + share * (index + 1)))
            if parsed is not None:
                document.attachments.append(parsed)
    finally:
        _depth.reset(token)
    context.progress(1.0, f"Message read with {len(document.attachments)} attachments.")
    return document


def _header(message: EmailMessage, name: str, raw: str) -> str:
    """A header as displayed (encoded words decoded), or as written if Python cannot parse it."""
    try:
        return str(message[name]).strip()
    except (ValueError, IndexError, TypeError, AttributeError, LookupError):  # CPython's parser trips on some
        return " ".join(raw.split())


def _body_blocks(message: EmailMessage) -> list[Block]:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None or not isinstance(part, EmailMessage):
        return []
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # an unknown charset or a broken transfer encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return []
    if part.get_content_subtype() == "html":
        from ragloom.ingest.parsers.html import html_blocks

        return html_blocks(content)[0]
    paragraphs = content.replace("\r\n", "\n").split("\n\n")
    return [Block(BlockKind.TEXT, paragraph.strip()) for paragraph in paragraphs if paragraph.strip()]


def _attachment(part: Message, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument | None:
    """The attachment parsed, or ``None`` if its type has no parser or it cannot be read."""
    from ragloom.ingest.parsers.registry import PARSERS, parser_for

    name = part.get_filename() or ""
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if not (isinstance(inner, list) and inner and isinstance(inner[0], Message)):
            return None
        data = inner[0].as_bytes()
        name = name or "attached.eml"
    else:
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return None
        data = payload
    source = SourceFile(name, data)
    if source.extension not in PARSERS:
        logger.info("Attachment %r skipped: no parser for its type", name)
        return None
    try:
        return parser_for(source)(source, config, context)
    except IngestError as error:
        logger.warning("Attachment %r skipped: %s", name, error.message)
        return None
