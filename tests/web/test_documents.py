"""The documents page's other actions in the browser: rename, chunk method with its parser settings
and metadata, download, filters, paging, delete with a confirmation."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.web.conftest import OffMachine, WebServer
from tests.web.test_user_path import FAST_EMBEDDING, api, sign_in

PAGE_SIZE = 30


def test_rename_method_metadata_download_filter_page_and_delete(
    page: Any, web_server: WebServer, tmp_path: Path, off_machine: OffMachine
) -> None:
    dataset = api(
        web_server, "POST", "/datasets", json={"name": f"docs-{time.time_ns()}", "embedding_model": FAST_EMBEDDING}
    )
    files = [("file", (f"note-{number:02d}.txt", f"Note {number}.".encode())) for number in range(PAGE_SIZE + 2)]
    files.append(("file", ("minutes.md", b"# Minutes\nThe board met.")))
    api(web_server, "POST", f"/datasets/{dataset['id']}/documents", files=files)
    sign_in(page, web_server)
    page.goto(f"{web_server.base_url}/#/datasets/{dataset['id']}")
    page.wait_for_selector("#document-list table")
    assert page.locator("#document-list tbody tr[data-document]").count() == PAGE_SIZE
    assert page.locator("#document-list").get_attribute("data-total") == str(PAGE_SIZE + 3)
    page.click("#document-list .pager button:has-text('Next')")
    page.wait_for_function("() => document.querySelectorAll('#document-list tbody tr[data-document]').length === 3")

    page.fill("input[name=keywords]", "minutes")
    page.wait_for_function("() => document.querySelectorAll('#document-list tbody tr[data-document]').length === 1")
    row = page.locator("#document-list tr[data-document]").first
    document_id = row.get_attribute("data-document")

    with page.expect_download() as downloading:
        row.locator("button:has-text('Download')").click()
    saved = tmp_path / "downloaded.md"
    downloading.value.save_as(saved)
    assert saved.read_bytes() == b"# Minutes\nThe board met."

    row.locator("button:has-text('Edit')").click()
    editor = page.locator(f"#document-list tr[data-document='{document_id}'] + tr.edit-row form")
    editor.locator("input[name=name]").fill("board-minutes.md")
    editor.locator("select[name=chunk_method]").select_option("one")
    editor.locator("textarea[name=meta_fields]").fill("{ broken")
    editor.locator("button[type=submit]").click()
    page.wait_for_selector("#messages .message.error:has-text('not valid JSON')")
    editor.locator("textarea[name=meta_fields]").fill(json.dumps({"author": "alice", "year": 2025}))
    # the chunk method's own parser settings: "one" reads the PDF and enrichment ones, not chunk sizes
    editor.locator("details.parser-settings > summary").click()
    assert editor.locator("input[name='parser:chunk_token_num']").count() == 0
    editor.locator("input[name='parser:pages']").fill("two to five")
    editor.locator("button[type=submit]").click()
    page.wait_for_selector("#messages .message.error:has-text('Pages: page ranges are numbers from 1')")
    editor.locator("input[name='parser:pages']").fill("2-5")
    editor.locator("select[name='parser:layout_recognize']").select_option("Plain Text")
    editor.locator("input[name='parser:auto_questions']").fill("1")
    editor.locator("button[type=submit]").click()
    page.wait_for_selector("#document-list a.doc-name:has-text('board-minutes.md')")
    stored = api(web_server, "GET", f"/datasets/{dataset['id']}/documents", params={"id": document_id})["docs"][0]
    assert stored["name"] == "board-minutes.md"
    assert stored["chunk_method"] == "one"
    assert stored["meta_fields"] == {"author": "alice", "year": 2025}
    config = stored["parser_config"]
    assert (config["pages"], config["layout_recognize"], config["auto_questions"]) == ([[2, 5]], "Plain Text", 1)
    assert "chunk_token_num" not in config  # the document holds the settings its method reads

    page.locator(f"#document-list tr[data-document='{document_id}'] button.danger").click()
    page.click("dialog.confirm button[value=cancel]")
    assert api(web_server, "GET", f"/datasets/{dataset['id']}/documents", params={"id": document_id})["docs"]
    page.locator(f"#document-list tr[data-document='{document_id}'] button.danger").click()
    page.click("dialog.confirm button[value=confirm]")
    page.wait_for_selector("#document-list .empty")
    remaining = api(web_server, "GET", f"/datasets/{dataset['id']}/documents")["total"]
    assert remaining == PAGE_SIZE + 2
    assert page.errors == []
    assert off_machine.requests == []
