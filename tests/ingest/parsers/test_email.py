"""E-mail: headers, the body (plain text preferred), and attachments parsed or skipped."""

from __future__ import annotations

import logging
from email.message import EmailMessage

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import BlockKind
from ragloom.ingest.parsers.email import parse
from ragloom.ingest.source import SourceFile
from tests import samples


def test_headers_body_and_attachments() -> None:
    document = parse(SourceFile("figures.eml", samples.make_eml()), {}, IngestContext())
    assert document.metadata == {
        "from": "Alice Martin <alice@example.com>",
        "to": "Bruno Costa <bruno@example.com>",
        "cc": "team@example.com",
        "subject": "Quarterly figures – draft",
        "date": "Tue, 02 Apr 2024 09:30:00 +0000",
    }
    assert [(block.kind, block.text) for block in document.blocks] == [
        (BlockKind.TEXT, "Hi Bruno,"),
        (BlockKind.TEXT, "attached are the draft figures for the quarter."),
        (BlockKind.TEXT, "Best regards,\nAlice"),
    ]
    assert [attachment.name for attachment in document.attachments] == ["figures.csv"]
    table = document.attachments[0].blocks[0].table
    assert table is not None
    assert table.header == ["Item", "Price", "Origin"]


def test_an_html_only_body_is_turned_into_text() -> None:
    document = parse(SourceFile("figures.eml", samples.make_eml(with_html_only=True)), {}, IngestContext())
    assert [block.text for block in document.blocks] == ["Hi Bruno,", "attached are the draft figures for the quarter."]


def test_an_attachment_that_fails_is_skipped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ragloom.ingest.parsers.email"):
        document = parse(SourceFile("figures.eml", samples.make_eml()), {}, IngestContext())
    assert "broken.pdf" not in [attachment.name for attachment in document.attachments]
    assert "Attachment 'broken.pdf' skipped: broken.pdf is not a valid PDF" in caplog.text


def test_attached_messages_are_parsed_too() -> None:
    outer = EmailMessage()
    outer["From"] = "a@example.com"
    outer["Subject"] = "Fwd: figures"
    outer.set_content("See below.")
    inner = EmailMessage()
    inner["From"] = "b@example.com"
    inner["Subject"] = "figures"
    inner.set_content("The original message.")
    outer.add_attachment(inner)
    document = parse(SourceFile("forward.eml", outer.as_bytes()), {}, IngestContext())
    assert [attachment.name for attachment in document.attachments] == ["attached.eml"]
    assert document.attachments[0].metadata["subject"] == "figures"
    assert document.attachments[0].text() == "The original message."


@pytest.mark.parametrize("data", [b"", b"   \n", b"just some words\nwithout any header", bytes(range(256))])
def test_something_that_is_not_a_message_is_refused(data: bytes) -> None:
    with pytest.raises(IngestError, match=r"^note\.eml is (empty|not an e-mail message)"):
        parse(SourceFile("note.eml", data), {}, IngestContext())
