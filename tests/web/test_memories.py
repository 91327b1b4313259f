"""Memories in the browser: create one, read what it remembered, search it, disable a message
and forget one."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.web.conftest import OffMachine, WebServer
from tests.web.test_user_path import api, create_through_form, shoot, sign_in


def test_a_memory_created_read_searched_and_forgotten(
    page: Any, web_server: WebServer, artifacts: Path, off_machine: OffMachine
) -> None:
    sign_in(page, web_server)
    page.click("header nav a[href='#/memories']")
    memory_id = create_through_form(
        page, "#create-memory", f"Preferences {time.time_ns()}", "embd_id", ready="#memory-settings"
    )
    page.wait_for_selector("#memory-messages .empty")

    for said in ("I drink green tea every morning.", "My bicycle is red."):
        turn = {
            "memory_id": [memory_id],
            "agent_id": "web",
            "session_id": "s1",
            "user_input": said,
            "agent_response": "Noted.",
        }
        api(web_server, "POST", "/messages", json=turn)
    page.reload()
    page.wait_for_selector("#memory-messages li[data-message]:has-text('green tea')")
    assert page.locator("#memory-messages li[data-message]").count() == 2

    page.fill("#memory-search input[name=query]", "What does the user drink?")
    page.click("#memory-search button[type=submit]")
    page.wait_for_selector("#memory-messages li[data-message]:first-child:has-text('green tea')")
    shoot(page, "memory", artifacts)

    tea = page.locator("#memory-messages li[data-message]:has-text('green tea')")
    message_id = tea.get_attribute("data-message")
    tea.locator("input[type=checkbox]").uncheck()
    page.wait_for_function(
        f"""async () => (await (await fetch('/api/v1/messages?memory_id={memory_id}', {{headers: {{Authorization:
        'Bearer ' + sessionStorage.getItem('ragloom.apiKey')}}}})).json()).data.some(
        (m) => `${{m.memory_id}}:${{m.message_id}}` === '{message_id}' && m.status === false)"""
    )
    tea.locator("button:has-text('Forget')").click()
    page.click("dialog.confirm button[value=confirm]")
    page.wait_for_selector(f"#memory-messages li[data-message='{message_id}']", state="detached")  # no longer recalled
    assert api(web_server, "GET", f"/messages/{message_id}/content")["forget_at"]
    assert page.locator("#memory-messages li[data-message]:has-text('bicycle')").count() == 1
    assert page.errors == []
    assert off_machine.requests == []
