"""A new user's path through the web UI in headless Chromium: sign in, create a dataset, upload a
PDF and a DOCX and watch both reach DONE, open a chunk and edit it, test retrieval, create a chat,
ask a question, watch the answer stream in and follow its citation to the chunk.

Screenshots of each page at 1280 and 390 px wide go to the test's tmp directory (and to
``RAGLOOM_SCREENSHOTS`` when set: ``docs/screenshots`` holds the README's). The page may reach
nothing but the server: every other request is refused and recorded.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from ragloom.providers.chat.local_llama import local_chat_available
from tests.samples import make_docx, make_pdf
from tests.web.conftest import NARROW, WIDE, OffMachine, WebServer

FAST_EMBEDDING = "universal-sentence-encoder-multilingual@Builtin"
EDIT = "Edited in the browser: the audit committee meets every Tuesday."
PARSE_TIMEOUT_MS = 180_000
ANSWER_TIMEOUT_MS = 180_000


def shoot(page: Any, name: str, artifacts: Path) -> None:
    """``name-1280.png`` and ``name-390.png`` of the whole page."""
    for viewport in (WIDE, NARROW):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(150)  # the layout settles
        target = artifacts / f"{name}-{viewport['width']}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 0
        published = os.environ.get("RAGLOOM_SCREENSHOTS")
        if published:
            Path(published).mkdir(parents=True, exist_ok=True)
            shutil.copy(target, Path(published) / target.name)
    page.set_viewport_size(WIDE)


def sign_in(page: Any, server: WebServer) -> None:
    page.goto(server.base_url + "/")
    page.fill("#api-key", server.key)
    page.click("form.sign-in button[type=submit]")
    page.wait_for_selector("#dataset-list table, #dataset-list .empty")  # the list has loaded


def create_through_form(page: Any, form: str, name: str, model_select: str, ready: str) -> str:
    """Fill a create form's name, choose the quick embedding model, submit; the new item's id (from
    the address it opens) once ``ready`` shows."""
    if not page.locator(form).is_visible():  # folded away under its "New …" button
        page.click(f"details.creator:has({form}) > summary")
    page.fill(f"{form} input[name=name]", name)
    page.select_option(f"{form} select[name={model_select}]", FAST_EMBEDDING)
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(ready)
    return str(page.url.rsplit("/", 1)[1])


def api(server: WebServer, method: str, route: str, **options: Any) -> Any:
    body = requests.request(method, server.api_url + route, headers=server.headers(), timeout=30, **options).json()
    assert body["code"] == 0, body
    return body.get("data")


@pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed (the chat needs a model)")
def test_a_new_user_from_sign_in_to_a_cited_answer(
    page: Any, web_server: WebServer, artifacts: Path, off_machine: OffMachine
) -> None:
    # sign in: the key is kept for this tab only
    page.goto(web_server.base_url + "/")
    page.wait_for_selector("#api-key")
    shoot(page, "sign-in", artifacts)
    sign_in(page, web_server)
    assert page.evaluate("Object.keys(sessionStorage)") == ["ragloom.apiKey"]

    # create a dataset with the quick embedding model
    dataset_id = create_through_form(
        page, "#create-dataset", f"Handbook {time.time_ns()}", "embedding_model", ready="#drop-zone"
    )

    # upload a PDF and a DOCX (parsed on upload): per-file progress, then both reach DONE
    page.set_input_files(
        "#file-input",
        [
            {"name": "audit-report.pdf", "mimeType": "application/pdf", "buffer": make_pdf(pages=2)},
            {
                "name": "travel-policy.docx",
                "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "buffer": make_docx(),
            },
        ],
    )
    page.wait_for_selector("#uploads li.done[data-file='audit-report.pdf'] progress[value='1']")
    page.wait_for_selector("#uploads li.done[data-file='travel-policy.docx']")
    page.wait_for_function(
        "() => document.querySelectorAll('#document-list tr[data-run=DONE]').length === 2", timeout=PARSE_TIMEOUT_MS
    )
    documents = {row["name"]: row for row in api(web_server, "GET", f"/datasets/{dataset_id}/documents")["docs"]}
    assert {row["run"] for row in documents.values()} == {"DONE"}
    assert all(row["chunk_count"] > 0 for row in documents.values())
    shoot(page, "documents", artifacts)

    # open the PDF's chunks and edit the first one
    page.click("#document-list a.doc-name:text('audit-report.pdf')")
    page.wait_for_selector("#chunk-list article.chunk")
    first = page.locator("#chunk-list article.chunk").first
    chunk_id = first.get_attribute("data-chunk")
    first.locator("button.edit").click()
    first.locator("textarea[name=content]").fill(EDIT)
    first.locator("input[name=important_keywords]").fill("audit, committee")
    first.locator("button[type=submit]").click()
    page.wait_for_selector(f"#chunk-list article[data-chunk='{chunk_id}'] .chunk-content:text('{EDIT}')")
    shoot(page, "chunks", artifacts)
    pdf_id = documents["audit-report.pdf"]["id"]
    stored = api(web_server, "GET", f"/datasets/{dataset_id}/documents/{pdf_id}/chunks", params={"id": chunk_id})
    assert stored["chunks"][0]["content"] == EDIT
    assert stored["chunks"][0]["important_keywords"] == ["audit", "committee"]

    # a retrieval test finds the edited chunk, with its three scores and the matched terms marked
    page.goto(f"{web_server.base_url}/#/retrieval?dataset={dataset_id}")
    page.fill("#retrieval-form textarea[name=question]", "When does the audit committee meet?")
    page.click("#retrieval-form button[type=submit]")
    page.wait_for_selector("#retrieval-results .hit")
    top = page.locator("#retrieval-results .hit").first
    assert top.get_attribute("data-chunk") == chunk_id
    scores = top.locator(".score").all_inner_texts()
    assert len(scores) == 3
    assert all(re.search(r"\d\.\d{4}$", score) for score in scores)
    assert top.locator("mark").count() > 0
    shoot(page, "retrieval", artifacts)

    # create a chat over the dataset, ask, and watch the answer stream in
    page.click("header nav a[href='#/chats']")
    page.wait_for_selector("#assistant-form")
    page.fill("#assistant-form input[name=name]", f"Handbook assistant {time.time_ns()}")
    page.check(f"#assistant-form input[name='dataset:{dataset_id}']")
    page.fill("#assistant-form input[name=temperature]", "0")
    page.fill("#assistant-form input[name=max_tokens]", "48")
    page.click("#assistant-form button[type=submit]")
    page.wait_for_selector("#ask-form")
    page.evaluate(
        """() => {
            window.answerLengths = [];
            new MutationObserver(() => {
                const answer = document.querySelector('#conversation .bubble.assistant:last-child .answer');
                if (answer) window.answerLengths.push(answer.textContent.length);
            }).observe(document.getElementById('conversation'), {childList: true, subtree: true, characterData: true});
        }"""
    )
    page.fill("#ask-form textarea", "When does the audit committee meet?")
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#conversation .bubble.assistant[data-done=true]", timeout=ANSWER_TIMEOUT_MS)
    lengths = page.evaluate("window.answerLengths")
    assert len({length for length in lengths if length > 0}) > 1, "the answer arrived in one piece, not streamed"
    reply = page.locator("#conversation .bubble.assistant[data-done=true]").last
    assert reply.locator(".error-text").count() == 0, reply.inner_text()
    citations = reply.locator("a.citation")
    assert citations.count() > 0, reply.inner_text()
    shoot(page, "chat", artifacts)

    # the citation opens the cited chunk in its document
    cited = citations.first.get_attribute("data-chunk")
    citations.first.click()
    page.wait_for_selector(f"#focused-chunk article.focused[data-chunk='{cited}']")
    assert "/documents/" in page.url

    assert page.errors == []
    assert off_machine.requests == []
