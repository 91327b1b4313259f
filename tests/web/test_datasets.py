"""The datasets page in the browser: the parser settings of each chunk method on create and in
the settings (only the fields that method reads, round-tripping through the API, the server's
refusals put next to their fields), and delete after a confirmation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.web.conftest import OffMachine, WebServer
from tests.web.test_user_path import FAST_EMBEDDING, api, shoot, sign_in


def named(key: str, tag: str = "input") -> str:
    return f"{tag}[name='parser:{key}']"


def test_create_with_a_methods_parser_settings(page: Any, web_server: WebServer, off_machine: OffMachine) -> None:
    sign_in(page, web_server)
    if not page.locator("#create-dataset").is_visible():
        page.click("details.creator:has(#create-dataset) > summary")
    form = page.locator("#create-dataset")
    form.locator("input[name=name]").fill(f"papers-{time.time_ns()}")
    form.locator("select[name=embedding_model]").select_option(FAST_EMBEDDING)
    form.locator("details.parser-settings > summary").click()
    assert form.locator("fieldset[data-group=spreadsheet]").count() == 1  # naive reads spreadsheets' settings
    form.locator("select[name=chunk_method]").select_option("paper")
    assert form.locator("fieldset[data-group=spreadsheet]").count() == 0  # paper does not
    form.locator(named("auto_keywords")).fill("2")
    form.locator(named("pages")).fill("2-4")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#drop-zone")
    dataset_id = page.url.rsplit("/", 1)[1]
    stored = api(web_server, "GET", f"/datasets/{dataset_id}")
    assert stored["chunk_method"] == "paper"
    config = stored["parser_config"]
    assert (config["auto_keywords"], config["pages"]) == (2, [[2, 4]])
    assert config["raptor"]["use_raptor"] is False  # as the form showed it
    assert page.errors == []
    assert off_machine.requests == []


def test_settings_change_the_parser_config_and_delete_asks_first(
    page: Any, web_server: WebServer, artifacts: Path, off_machine: OffMachine
) -> None:
    dataset = api(
        web_server, "POST", "/datasets", json={"name": f"set-{time.time_ns()}", "embedding_model": FAST_EMBEDDING}
    )
    sign_in(page, web_server)
    row = page.locator(f"#dataset-list tr[data-dataset='{dataset['id']}']")
    row.locator("button:has-text('Settings')").click()
    form = page.locator("#dataset-list form.settings")
    form.locator("input[name=description]").fill("Policies & <b>handbooks</b>")
    form.locator(named("chunk_token_num")).fill("256")
    form.locator(named("overlapped_percent")).fill("20")
    form.locator(named("pages")).fill("1-3, 7")
    form.locator(named("layout_recognize", "select")).select_option("Plain Text")
    # RAPTOR's own settings show once it is switched on
    form.locator(named("raptor.use_raptor")).uncheck()
    assert not form.locator(named("raptor.max_cluster")).is_visible()
    form.locator(named("raptor.use_raptor")).check()
    form.locator(named("raptor.max_cluster")).fill("32")
    form.locator(named("raptor.clustering_method", "select")).select_option("ahc")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#messages .message.info:has-text('Saved')")
    stored = api(web_server, "GET", f"/datasets/{dataset['id']}")
    config = stored["parser_config"]
    assert stored["description"] == "Policies & <b>handbooks</b>"
    assert (config["chunk_token_num"], config["overlapped_percent"], config["pages"]) == (256, 20, [[1, 3], [7, 7]])
    assert config["layout_recognize"] == "Plain Text"
    assert config["raptor"]["use_raptor"] is True
    assert (config["raptor"]["max_cluster"], config["raptor"]["clustering_method"]) == (32, "ahc")
    assert config["raptor"]["max_token"] == 256  # what was not touched is kept
    # the description is text, never markup
    page.wait_for_selector(f"#dataset-list tr[data-dataset='{dataset['id']}'] .muted:has-text('<b>handbooks</b>')")
    assert page.locator("#dataset-list b").count() == 0

    # opened again, the form shows what is stored; the server's refusal is put next to its field
    row.locator("button:has-text('Settings')").click()
    assert form.locator(named("pages")).input_value() == "1-3, 7"
    assert form.locator(named("raptor.max_cluster")).input_value() == "32"
    form.locator(named("raptor.prompt", "textarea")).fill("   ")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#messages .message.error:has-text('Prompt: String should have at least 1 character')")
    assert form.locator(".field.invalid[data-key='raptor.prompt'] small.problem").count() == 1
    assert "Field: <" not in page.locator("#messages").inner_text()
    shoot(page, "dataset-settings", artifacts)

    # another method shows its own settings: the table method's columns, no RAPTOR
    form.locator("select[name=chunk_method]").select_option("table")
    assert form.locator("fieldset[data-group=raptor]").count() == 0
    form.locator(named("table_column_mode", "select")).select_option("manual")
    form.locator(named("table_column_roles", "textarea")).fill("price: metadata\nname: both")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#messages .message.info:has-text('Saved')")
    stored = api(web_server, "GET", f"/datasets/{dataset['id']}")
    assert stored["chunk_method"] == "table"
    assert stored["parser_config"]["table_column_mode"] == "manual"
    assert stored["parser_config"]["table_column_roles"] == {"price": "metadata", "name": "both"}

    row.locator("button.danger").click()
    page.click("dialog.confirm button[value=confirm]")
    page.wait_for_selector(f"#dataset-list tr[data-dataset='{dataset['id']}']", state="detached")
    listed = [item["id"] for item in api(web_server, "GET", "/datasets", params={"page_size": 100})]
    assert dataset["id"] not in listed
    assert page.errors == []
    assert off_machine.requests == []
