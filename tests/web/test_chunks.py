"""A PDF chunk on the chunks page in the browser: a thumbnail of its page with the chunk's box
outlined where the parser found it, enlarged in a dialog on click."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.samples import make_pdf
from tests.web.conftest import OffMachine, WebServer
from tests.web.test_user_path import FAST_EMBEDDING, PARSE_TIMEOUT_MS, api, shoot, sign_in

LETTER_WIDTH, LETTER_HEIGHT = 612, 792  # points


def parsed_pdf(server: WebServer) -> tuple[str, str]:
    """A dataset holding ``make_pdf(pages=2)``, parsed to DONE through the API."""
    dataset = api(
        server, "POST", "/datasets", json={"name": f"pages-{time.time_ns()}", "embedding_model": FAST_EMBEDDING}
    )
    files = [("file", ("report.pdf", make_pdf(pages=2)))]
    (document,) = api(server, "POST", f"/datasets/{dataset['id']}/documents", files=files)
    api(server, "POST", f"/datasets/{dataset['id']}/chunks", json={"document_ids": [document["id"]]})
    deadline = time.monotonic() + PARSE_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        (row,) = api(server, "GET", f"/datasets/{dataset['id']}/documents", params={"id": document["id"]})["docs"]
        if row["run"] in {"DONE", "FAIL"}:
            assert row["run"] == "DONE", row["progress_msg"]
            return dataset["id"], document["id"]
        time.sleep(0.5)
    raise AssertionError("the PDF did not finish parsing")


def loaded(page: Any, selector: str) -> None:
    page.wait_for_function(
        "(selector) => { const image = document.querySelector(selector);"
        " return image && image.complete && image.naturalWidth > 0; }",
        arg=selector,
    )


def box_within_frame(page: Any, scope: str) -> tuple[float, float, float, float]:
    """The first highlighted box of ``scope`` as fractions of its page picture: x0, x1, top, bottom."""
    frame = page.locator(f"{scope} .page-frame").first.bounding_box()
    box = page.locator(f"{scope} .page-box").first.bounding_box()
    return (
        (box["x"] - frame["x"]) / frame["width"],
        (box["x"] + box["width"] - frame["x"]) / frame["width"],
        (box["y"] - frame["y"]) / frame["height"],
        (box["y"] + box["height"] - frame["y"]) / frame["height"],
    )


def test_a_pdf_chunk_shows_its_page_with_the_chunk_outlined_and_enlarges(
    page: Any, web_server: WebServer, artifacts: Path, off_machine: OffMachine
) -> None:
    dataset_id, document_id = parsed_pdf(web_server)
    chunks = api(web_server, "GET", f"/datasets/{dataset_id}/documents/{document_id}/chunks")["chunks"]
    first = chunks[0]
    # the parser keeps where each chunk sits: [page, x0, x1, top, bottom] in points, as RAGFlow returns them
    assert first["positions"]
    assert all(len(position) == 5 and position[0] in {1, 2} for chunk in chunks for position in chunk["positions"])
    page_number, x0, x1, top, bottom = first["positions"][0]

    sign_in(page, web_server)
    page.goto(f"{web_server.base_url}/#/datasets/{dataset_id}/documents/{document_id}")
    card = f"#chunk-list article[data-chunk='{first['id']}']"
    loaded(page, f"{card} .page-thumbnail img")
    thumbnail = page.locator(f"{card} .page-thumbnail").first
    assert thumbnail.get_attribute("data-page") == str(page_number)
    assert page.locator(f"{card} .page-box").count() == sum(1 for p in first["positions"] if p[0] == page_number)
    # the box sits on the picture where the position says, scaled from points to the picture
    expected = (x0 / LETTER_WIDTH, x1 / LETTER_WIDTH, top / LETTER_HEIGHT, bottom / LETTER_HEIGHT)
    for found, wanted in zip(box_within_frame(page, card), expected, strict=True):
        assert abs(found - wanted) < 0.02, (box_within_frame(page, card), expected)

    thumbnail.click()
    loaded(page, "dialog.page-view .page-frame img")
    large = page.locator("dialog.page-view .page-frame").bounding_box()
    assert large["width"] > 2 * thumbnail.bounding_box()["width"]
    for found, wanted in zip(box_within_frame(page, "dialog.page-view"), expected, strict=True):
        assert abs(found - wanted) < 0.01
    shoot(page, "chunk-page", artifacts)
    page.click("dialog.page-view button.close")
    page.wait_for_selector("dialog.page-view", state="detached")

    assert page.errors == []
    assert off_machine.requests == []
