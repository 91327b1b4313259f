"""Previews show passive types inline; active content (HTML, SVG, XML, script) and every
download go as a sandboxed attachment, the bytes unchanged."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ragloom.api.downloads import shown_without_running
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.tenants import Caller

ACTIVE = {
    "page.html": b"<html><script>alert(document.domain)</script></html>",
    "page.htm": b"<script>alert(1)</script>",
    "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "data.xml": b'<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
    "app.js": b"alert(1)",
}
PASSIVE = {
    "notes.txt": b"<script>alert(1)</script> is only text here",
    "paper.pdf": b"%PDF-1.4 not really a pdf",
    "photo.png": b"\x89PNG\r\n\x1a\n not really a png",
    "table.csv": b"a,b\n1,2\n",
}


@pytest.fixture
def dataset(services: Services, caller: Caller) -> str:
    return services.datasets.create(caller, NewDataset(name="files")).record.id


@pytest.fixture
def uploaded(client: TestClient, headers: dict[str, str], dataset: str) -> dict[str, str]:
    """Document ids by name, every sample uploaded through the API."""
    files = [("file", (name, data)) for name, data in {**ACTIVE, **PASSIVE}.items()]
    answer = client.post(f"/api/v1/datasets/{dataset}/documents", files=files, headers=headers).json()
    return {document["name"]: document["id"] for document in answer["data"]}


@pytest.mark.parametrize("name", sorted(ACTIVE))
def test_a_preview_of_active_content_is_a_sandboxed_attachment(
    client: TestClient, headers: dict[str, str], uploaded: dict[str, str], name: str
) -> None:
    answer = client.get(f"/api/v1/documents/{uploaded[name]}/preview", headers=headers)
    assert answer.status_code == 200
    assert answer.content == ACTIVE[name]
    assert answer.headers["Content-Disposition"].startswith(f'attachment; filename="{name}"')
    assert answer.headers["Content-Security-Policy"] == "sandbox"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", sorted(PASSIVE))
def test_a_preview_of_a_passive_type_stays_inline(
    client: TestClient, headers: dict[str, str], uploaded: dict[str, str], name: str
) -> None:
    answer = client.get(f"/api/v1/documents/{uploaded[name]}/preview", headers=headers)
    assert answer.content == PASSIVE[name]
    assert answer.headers["Content-Disposition"].startswith(f'inline; filename="{name}"')
    assert "Content-Security-Policy" not in answer.headers  # PDF viewers refuse to run in a sandbox
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_downloads_are_sandboxed_attachments_with_the_bytes_unchanged(
    client: TestClient, headers: dict[str, str], dataset: str, uploaded: dict[str, str]
) -> None:
    for name, data in {**ACTIVE, **PASSIVE}.items():
        document = uploaded[name]
        for path in (f"/api/v1/documents/{document}", f"/api/v1/datasets/{dataset}/documents/{document}"):
            answer = client.get(path, headers=headers)
            assert answer.content == data
            assert answer.headers["Content-Disposition"].startswith("attachment;")
            assert answer.headers["Content-Security-Policy"] == "sandbox"


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [
        ("application/pdf", True),
        ("text/plain", True),
        ("text/x-python", True),
        ("image/png", True),
        ("video/mp4", True),
        ("text/html; charset=utf-8", False),
        ("image/svg+xml", False),
        ("application/xml", False),
        ("text/xml", False),
        ("application/xhtml+xml", False),
        ("text/javascript", False),
        ("message/rfc822", False),
        ("application/octet-stream", False),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    ],
)
def test_only_types_a_browser_shows_without_running_anything_go_inline(content_type: str, shown: bool) -> None:
    assert shown_without_running(content_type) is shown
