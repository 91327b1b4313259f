"""What goes wrong reads as a sentence in the page: a key the server refuses, a document whose
parse fails, a chat model that is down. Also: signing out forgets the key, and the language
switch turns the UI to Chinese."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from tests.e2e.conftest import free_port
from tests.samples import corrupt_pdf
from tests.web.conftest import OffMachine, WebServer
from tests.web.test_user_path import FAST_EMBEDDING, api, shoot, sign_in

FACTORY = "OpenAI-API-Compatible"


def test_a_refused_key_is_explained_and_signing_out_forgets_the_key(page: Any, web_server: WebServer) -> None:
    page.goto(web_server.base_url + "/")
    page.fill("#api-key", "ragflow-this-key-does-not-exist")
    page.click("form.sign-in button[type=submit]")
    page.wait_for_selector("form.sign-in .error-text:has-text('API key was not accepted')")
    assert page.evaluate("sessionStorage.length") == 0

    sign_in(page, web_server)
    page.click("#sign-out")
    page.wait_for_selector("#api-key")
    assert page.evaluate("sessionStorage.length") == 0
    page.goto(web_server.base_url + "/#/datasets")
    page.wait_for_selector("#api-key")  # no key, no page
    assert page.errors == []


def test_a_failed_parse_shows_its_reason(page: Any, web_server: WebServer, artifacts: Path) -> None:
    dataset = api(
        web_server, "POST", "/datasets", json={"name": f"broken-{time.time_ns()}", "embedding_model": FAST_EMBEDDING}
    )
    sign_in(page, web_server)
    page.goto(f"{web_server.base_url}/#/datasets/{dataset['id']}")
    page.set_input_files(
        "#file-input", [{"name": "broken.pdf", "mimeType": "application/pdf", "buffer": corrupt_pdf()}]
    )
    row = page.locator("#document-list tr[data-run=FAIL]")
    row.wait_for(timeout=120_000)
    reason = row.locator(".progress-message.error-text").inner_text()
    assert reason.strip(), "a failed document must say why"
    stored = api(web_server, "GET", f"/datasets/{dataset['id']}/documents")["docs"][0]
    assert reason.strip() in stored["progress_msg"]
    shoot(page, "failed-parse", artifacts)
    assert page.errors == []


def test_a_chat_model_that_is_down_is_reported(page: Any, web_server: WebServer, artifacts: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    name = f"offline-{time.time_ns()}"
    api(
        web_server,
        "POST",
        "/tenant/providers",
        json={
            "name": name,
            "factory": FACTORY,
            "kind": "chat",
            "base_url": closed,
            "max_retries": 0,
            "timeout_seconds": 5,
        },
    )
    chat = api(web_server, "POST", "/chats", json={"name": f"down-{time.time_ns()}", "llm_id": f"{name}@{FACTORY}"})
    sign_in(page, web_server)
    page.goto(f"{web_server.base_url}/#/chats/{chat['id']}")
    page.fill("#ask-form textarea", "Are you there?")
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#conversation .bubble.assistant[data-done=true]", timeout=60_000)
    error = page.locator("#conversation .bubble.assistant[data-done=true] .error-text").inner_text()
    assert error.strip()
    assert "Traceback" not in error
    page.wait_for_selector("#messages .message.error")
    shoot(page, "model-down", artifacts)
    assert page.errors == []


def test_the_language_switch_turns_the_ui_to_chinese(
    page: Any, web_server: WebServer, off_machine: OffMachine, artifacts: Path
) -> None:
    sign_in(page, web_server)
    page.select_option("select.language", "zh")
    page.wait_for_selector("header nav a:has-text('知识库')")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    shoot(page, "datasets-zh", artifacts)
    page.reload()  # remembered
    page.wait_for_selector("header nav a:has-text('检索测试')")
    page.select_option("select.language", "en")
    page.wait_for_selector("header nav a:has-text('Retrieval test')")
    assert off_machine.requests == []
    assert requests.get(web_server.base_url + "/", timeout=10).status_code == 200
