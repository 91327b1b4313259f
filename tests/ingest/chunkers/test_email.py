"""The email method: headers and body, then attachments."""

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.chunkers.email import chunk
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument
from ragloom.nlp.token_count import count_tokens


def _message() -> ParsedDocument:
    report = ParsedDocument(
        "report.docx",
        "docx",
        blocks=[Block(BlockKind.TEXT, f"Finding {index} of the audit is noted here.") for index in range(40)],
    )
    inner = ParsedDocument("notes.txt", "txt", blocks=[Block(BlockKind.TEXT, "A nested note.")])
    forwarded = ParsedDocument("fwd.eml", "eml", blocks=[Block(BlockKind.TEXT, "Forwarded text.")], attachments=[inner])
    return ParsedDocument(
        "mail.eml",
        "eml",
        blocks=[Block(BlockKind.TEXT, "Hi team,"), Block(BlockKind.TEXT, "the audit is attached.")],
        metadata={"from": "Ann <ann@example.com>", "to": ["bo@example.com", "cy@example.com"], "subject": "Audit"},
        attachments=[report, forwarded],
    )


def test_headers_and_body_come_first_then_attachment_chunks() -> None:
    drafts = chunk(_message(), {"chunk_token_num": 64}, IngestContext())
    assert drafts[0].content == (
        "From: Ann <ann@example.com>\nTo: bo@example.com, cy@example.com\nSubject: Audit\n"
        "Hi team,\nthe audit is attached."
    )
    report = [draft for draft in drafts if draft.content.startswith("Attachment: report.docx\n")]
    assert len(report) > 2
    assert all(count_tokens(draft.content) <= 64 for draft in drafts)
    assert [draft.content for draft in drafts[-2:]] == [
        "Attachment: fwd.eml\nForwarded text.",
        "Attachment: fwd.eml > notes.txt\nA nested note.",
    ]


def test_other_formats_are_refused() -> None:
    with pytest.raises(IngestError, match=r"\.msg.*eml"):
        chunk(ParsedDocument("mail.msg", "msg"), {}, IngestContext())
