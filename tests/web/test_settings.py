"""Settings in the browser: the default models, a remote model added and removed, an API key
created (shown once, then usable) and revoked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from tests.web.conftest import OffMachine, WebServer
from tests.web.test_user_path import FAST_EMBEDDING, api, shoot, sign_in


def test_models_and_api_keys(page: Any, web_server: WebServer, artifacts: Path, off_machine: OffMachine) -> None:
    sign_in(page, web_server)
    page.click("header nav a[href='#/settings']")
    page.wait_for_selector("#api-keys ul")
    assert page.locator("#models tbody tr").count() >= 3

    original = api(web_server, "GET", "/tenant/models")["embd_id"]
    page.select_option("#models select[name=embd_id]", FAST_EMBEDDING)
    page.click("#models button[type=submit]")
    page.wait_for_selector("#messages .message.info")
    assert api(web_server, "GET", "/tenant/models")["embd_id"] == FAST_EMBEDDING
    api(web_server, "PUT", "/tenant/models", json={"embd_id": original})

    page.fill("#providers input[name=name]", "remote-chat")
    page.fill("#providers input[name=base_url]", "http://127.0.0.1:9/v1")
    page.click("#providers button[type=submit]")
    page.wait_for_selector("#providers li:has-text('remote-chat@OpenAI-API-Compatible')")
    page.wait_for_selector("#models td:has-text('remote-chat@OpenAI-API-Compatible')")
    page.click("#providers li:has-text('remote-chat') button.danger")
    page.click("dialog.confirm button[value=confirm]")
    page.wait_for_selector("#providers li:has-text('remote-chat')", state="detached")
    assert all(provider["name"] != "remote-chat" for provider in api(web_server, "GET", "/tenant/providers"))

    keys = page.locator("#api-keys li").count()
    page.click("#api-keys button.primary")
    secret = page.locator("#api-keys code.secret").inner_text()
    assert secret.startswith("ragflow-")
    assert page.locator("#api-keys li").count() == keys + 1
    check = requests.get(f"{web_server.api_url}/datasets", headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert check.json()["code"] == 0
    shoot(page, "settings", artifacts)
    page.locator("#api-keys li").filter(has_text=secret[-4:]).locator("button.danger").click()
    page.click("dialog.confirm button[value=confirm]")
    page.wait_for_function(f"() => document.querySelectorAll('#api-keys li').length === {keys}")
    refused = requests.get(f"{web_server.api_url}/datasets", headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert refused.status_code == 401
    assert page.errors == []
    assert off_machine.requests == []
