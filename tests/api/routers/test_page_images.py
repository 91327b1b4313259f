"""``GET /datasets/{ds}/documents/{doc}/pages/{page}``: a PDF page as PNG, its size in points in
the headers; refused in the envelope for another tenant's or a missing
document (as a download is), a document that is not a PDF, and a page that is no page of it."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from ragloom.services.page_images import MAX_SIDE
from tests.samples import make_pdf

LETTER = (612.0, 792.0)  # points


@dataclass
class Uploaded:
    dataset_id: str
    pdf: str
    text: str

    def page(self, document: str, page: object) -> str:
        return f"/api/v1/datasets/{self.dataset_id}/documents/{document}/pages/{page}"


@pytest.fixture
def uploaded(client: TestClient, headers: dict[str, str]) -> Uploaded:
    dataset_id = client.post("/api/v1/datasets", json={"name": "reports"}, headers=headers).json()["data"]["id"]
    files = [("file", ("report.pdf", make_pdf(pages=2))), ("file", ("notes.txt", b"Plain notes."))]
    answer = client.post(f"/api/v1/datasets/{dataset_id}/documents", files=files, headers=headers).json()
    ids = {item["name"]: item["id"] for item in answer["data"]}
    return Uploaded(dataset_id, ids["report.pdf"], ids["notes.txt"])


def picture(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_page_is_a_png_of_the_asked_width_with_the_page_size_in_points(
    client: TestClient, headers: dict[str, str], uploaded: Uploaded
) -> None:
    answer = client.get(uploaded.page(uploaded.pdf, 2), params={"width": 306}, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert (float(answer.headers["x-page-width"]), float(answer.headers["x-page-height"])) == LETTER
    assert answer.headers["vary"] == "Authorization"  # a browser never shows one key's picture to another
    image = picture(answer.content)
    assert image.size == (306, 396)
    # the page is white with dark text on it: rendered, not blank
    grey = image.convert("L")
    assert grey.getpixel((0, 0)) == 255
    darkest = grey.getextrema()[0]
    assert not isinstance(darkest, tuple)  # one band
    assert darkest < 100


def test_the_default_width_and_a_tall_page_held_to_the_side_limit(
    client: TestClient, headers: dict[str, str], uploaded: Uploaded
) -> None:
    answer = client.get(uploaded.page(uploaded.pdf, 1), headers=headers)
    width, height = picture(answer.content).size
    assert width == 800
    assert abs(height - 800 * LETTER[1] / LETTER[0]) <= 1
    strip = io.BytesIO()
    canvas = Canvas(strip, pagesize=(200, 3000))
    canvas.drawString(20, 2900, "A very tall page.")
    canvas.save()
    files = [("file", ("strip.pdf", strip.getvalue()))]
    added = client.post(f"/api/v1/datasets/{uploaded.dataset_id}/documents", files=files, headers=headers).json()
    tall = client.get(uploaded.page(added["data"][0]["id"], 1), params={"width": 2000}, headers=headers)
    assert max(picture(tall.content).size) <= MAX_SIDE
    assert picture(tall.content).size[1] >= MAX_SIDE - 1


def test_another_tenant_gets_the_refusals_a_download_gives(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str], uploaded: Uploaded
) -> None:
    # warm the cache first: a cached page must still be refused to another tenant
    assert client.get(uploaded.page(uploaded.pdf, 1), headers=headers).status_code == 200
    download = f"/api/v1/datasets/{uploaded.dataset_id}/documents/{uploaded.pdf}"
    refused = client.get(uploaded.page(uploaded.pdf, 1), headers=other_headers)
    assert refused.json() == client.get(download, headers=other_headers).json()
    assert refused.json() == {"code": 102, "message": f"You do not own the dataset {uploaded.dataset_id}."}
    # their own dataset, our document: the document is not in it
    theirs = client.post("/api/v1/datasets", json={"name": "theirs"}, headers=other_headers).json()["data"]["id"]
    answer = client.get(f"/api/v1/datasets/{theirs}/documents/{uploaded.pdf}/pages/1", headers=other_headers)
    assert answer.json() == {"code": 102, "message": f"The dataset not own the document {uploaded.pdf}."}


def test_a_missing_document_is_refused_as_a_download_is(
    client: TestClient, headers: dict[str, str], uploaded: Uploaded
) -> None:
    answer = client.get(uploaded.page("0" * 32, 1), headers=headers)
    assert answer.json() == {"code": 102, "message": f"The dataset not own the document {'0' * 32}."}


def test_a_document_that_is_not_a_pdf_has_no_pages(
    client: TestClient, headers: dict[str, str], uploaded: Uploaded
) -> None:
    answer = client.get(uploaded.page(uploaded.text, 1), headers=headers)
    assert answer.json() == {"code": 102, "message": "Only PDF documents have page images; notes.txt is not a PDF."}


@pytest.mark.parametrize(
    ("page", "message", "code"),
    [
        (3, "Page 3 is out of range: report.pdf has 2 pages.", 102),
        (0, "Page must be a whole number from 1, not '0'.", 101),
        ("first", "Page must be a whole number from 1, not 'first'.", 101),
        ("-1", "Page must be a whole number from 1, not '-1'.", 101),
    ],
)
def test_a_page_that_is_no_page_of_the_document_is_refused(
    client: TestClient, headers: dict[str, str], uploaded: Uploaded, page: object, message: str, code: int
) -> None:
    answer = client.get(uploaded.page(uploaded.pdf, page), headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {"code": code, "message": message}


@pytest.mark.parametrize("width", ["10", "5000", "wide"])
def test_a_width_out_of_bounds_is_refused(
    client: TestClient, headers: dict[str, str], uploaded: Uploaded, width: str
) -> None:
    answer = client.get(uploaded.page(uploaded.pdf, 1), params={"width": width}, headers=headers).json()
    assert answer["code"] == 101
    assert answer["message"].startswith("Field: <width> - Message: <Input should be")


def test_an_unknown_query_key_and_a_missing_api_key_are_refused(
    client: TestClient, headers: dict[str, str], uploaded: Uploaded
) -> None:
    answer = client.get(uploaded.page(uploaded.pdf, 1), params={"height": 100}, headers=headers).json()
    assert answer["code"] == 101
    assert "Extra inputs are not permitted" in answer["message"]
    assert client.get(uploaded.page(uploaded.pdf, 1)).json()["code"] == 401
