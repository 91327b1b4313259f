"""Chunk routes through raw HTTP: the chunk image route's refusal, in RAGFlow's words
(``Image not found.``, code 102, with exactly ``code`` and ``message``)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.routers.conftest import Fruit


@pytest.mark.parametrize("image", ["nothing", "{dataset}-", "{dataset}-0123456789abcdef", "{dataset}-not-hex", "-"])
def test_an_image_id_that_names_no_image_is_not_found(
    client: TestClient, headers: dict[str, str], fruit: Fruit, image: str
) -> None:
    answer = client.get(f"/api/v1/documents/images/{image.format(dataset=fruit.dataset_id)}", headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {"code": 102, "message": "Image not found."}


def test_another_tenants_image_is_not_found(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str], fruit: Fruit
) -> None:
    document = fruit.documents["apples.txt"]
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    added = client.post(
        f"{fruit.path}/documents/{document}/chunks", json={"content": "a pixel", "image_base64": pixel}, headers=headers
    ).json()["data"]["chunk"]
    assert client.get(f"/api/v1/documents/images/{added['image_id']}", headers=headers).status_code == 200
    answer = client.get(f"/api/v1/documents/images/{added['image_id']}", headers=other_headers)
    assert answer.json() == {"code": 102, "message": "Image not found."}
