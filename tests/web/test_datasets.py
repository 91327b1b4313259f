"""The datasets page's settings and delete in the browser."""

from __future__ import annotations

import time
from typing import Any

from tests.web.conftest import OffMachine, WebServer
from tests.web.test_user_path import FAST_EMBEDDING, api, sign_in


def test_settings_change_the_parser_config_and_delete_asks_first(
    page: Any, web_server: WebServer, off_machine: OffMachine
) -> None:
    dataset = api(
        web_server, "POST", "/datasets", json={"name": f"set-{time.time_ns()}", "embedding_model": FAST_EMBEDDING}
    )
    sign_in(page, web_server)
    row = page.locator(f"#dataset-list tr[data-dataset='{dataset['id']}']")
    row.locator("button:has-text('Settings')").click()
    form = page.locator("#dataset-list form.settings")
    form.locator("input[name=description]").fill("Policies & <b>handbooks</b>")
    form.locator("input[name=chunk_token_num]").fill("256")
    form.locator("input[name=use_raptor]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#messages .message.info:has-text('Saved')")
    stored = api(web_server, "GET", f"/datasets/{dataset['id']}")
    assert stored["description"] == "Policies & <b>handbooks</b>"
    assert stored["parser_config"]["chunk_token_num"] == 256
    assert stored["parser_config"]["raptor"]["use_raptor"] is True
    # the description is text, never markup
    page.wait_for_selector(f"#dataset-list tr[data-dataset='{dataset['id']}'] .muted:has-text('<b>handbooks</b>')")
    assert page.locator("#dataset-list b").count() == 0

    row.locator("button.danger").click()
    page.click("dialog.confirm button[value=confirm]")
    page.wait_for_selector(f"#dataset-list tr[data-dataset='{dataset['id']}']", state="detached")
    listed = [item["id"] for item in api(web_server, "GET", "/datasets", params={"page_size": 100})]
    assert dataset["id"] not in listed
    assert page.errors == []
    assert off_machine.requests == []
