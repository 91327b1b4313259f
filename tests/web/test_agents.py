"""Agents in the browser: create one from a template, edit its DSL as JSON (a JSON mistake and
the server's own validation error both shown), run it and watch its components' events stream."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.web.conftest import OffMachine, WebServer
from tests.web.test_user_path import api, shoot, sign_in

ECHO = {
    "components": {
        "begin": {"obj": {"component_name": "Begin", "params": {}}, "downstream": ["message"], "upstream": []},
        "message": {
            "obj": {"component_name": "Message", "params": {"content": ["You said: {sys.query}"]}},
            "downstream": [],
            "upstream": ["begin"],
        },
    },
    "history": [],
    "retrieval": [],
    "path": [],
    "globals": {"sys.query": "", "sys.user_id": "", "sys.conversation_turns": 0, "sys.files": []},
    "variables": {},
}


def test_an_agent_from_a_template_edited_and_run(
    page: Any, web_server: WebServer, artifacts: Path, off_machine: OffMachine
) -> None:
    sign_in(page, web_server)
    page.click("header nav a[href='#/agents']")
    page.click("summary:has-text('New agent')")
    page.select_option("#create-agent select[name=template]", label="General chat")
    title = f"Echo {time.time_ns()}"
    page.fill("#create-agent input[name=title]", title)
    page.click("#create-agent button[type=submit]")
    page.wait_for_selector("#agent-form")
    agent_id = page.url.rsplit("/", 1)[1]

    dsl = page.locator("#agent-form textarea[name=dsl]")
    assert "LLM" in dsl.input_value()  # the template's canvas
    dsl.fill("{ not json")
    page.click("#agent-form button[type=submit]")
    page.wait_for_selector("#dsl-problem:has-text('not valid JSON')")

    broken = json.loads(json.dumps(ECHO))
    broken["components"]["start"] = broken["components"].pop("begin")
    dsl.fill(json.dumps(broken))
    page.click("#agent-form button[type=submit]")
    page.wait_for_selector("#dsl-problem:has-text('Invalid DSL')")

    dsl.fill(json.dumps(ECHO, indent=2))
    page.click("#agent-form button[type=submit]")
    page.wait_for_selector("#messages .message.info")
    assert page.locator("#dsl-problem").inner_text() == ""
    assert api(web_server, "GET", f"/agents/{agent_id}")["dsl"]["components"].keys() == {"begin", "message"}

    page.fill("#run-agent textarea", "hello there")
    page.click("#run-agent button[type=submit]")
    page.wait_for_selector("#run-agent[data-done=true]")
    assert page.locator("#agent-answer").inner_text() == "You said: hello there"
    finished = page.locator("#agent-events li.finished[data-component]")
    assert {finished.nth(index).get_attribute("data-component") for index in range(finished.count())} == {
        "begin",
        "message",
    }
    page.wait_for_selector("#agent-events li.finished:has-text('Finished in')")
    shoot(page, "agent", artifacts)
    assert page.errors == []
    assert off_machine.requests == []
