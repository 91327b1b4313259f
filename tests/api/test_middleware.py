"""Every response carries ``X-Content-Type-Options: nosniff``; a path cannot forge log lines."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ragloom.logs import TextFormatter
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.tenants import Caller


def test_success_error_404_405_and_401_answers_say_nosniff(client: TestClient, headers: dict[str, str]) -> None:
    answers = [
        client.get("/api/v1/datasets", headers=headers),  # success
        client.post("/api/v1/datasets", json={"name": ""}, headers=headers),  # refused, 101
        client.get("/api/v1/nothing/here", headers=headers),  # HTTP 404
        client.patch("/api/v1/datasets", headers=headers),  # wrong method
        client.get("/api/v1/datasets"),  # HTTP 401
        client.get("/api/v1/system/ping"),  # plain text
        client.get("/openapi.json"),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 404, 200, 401, 200, 200]
    assert all(answer.headers["X-Content-Type-Options"] == "nosniff" for answer in answers)


def test_streamed_answers_say_nosniff(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller
) -> None:
    dataset = services.datasets.create(caller, NewDataset(name="kb")).record.id
    document = services.documents.create_empty(caller, dataset, "e.txt").id
    chunks = f"/api/v1/datasets/{dataset}/documents/{document}/chunks"
    assert client.post(chunks, json={"content": "Pandas eat bamboo."}, headers=headers).json()["code"] == 0
    # with nothing retrieved the empty response is the answer: a stream without a model
    chat = client.post(
        "/api/v1/chats",
        json={
            "name": "c",
            "dataset_ids": [dataset],
            "similarity_threshold": 0.99,
            "prompt_config": {"empty_response": "None."},
        },
        headers=headers,
    ).json()["data"]["id"]
    body = {"question": "zebra quantum", "stream": True}
    with client.stream("POST", f"/api/v1/chats/{chat}/completions", json=body, headers=headers) as answer:
        assert answer.headers["Content-Type"] == "text/event-stream; charset=utf-8"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert b"None." in answer.read()
    download = client.get(f"/api/v1/documents/{document}", headers=headers)
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    """What ``ragloom.access`` writes, formatted as the server's text log."""
    logger = logging.getLogger("ragloom.access")
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(TextFormatter())
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield sink
    logger.removeHandler(handler)
    logger.setLevel(previous)


FORGED = "/api/v1/x%0A2025-01-01T00:00:00.000%20INFO%20%20%20%20ragloom.access%20GET%20/admin%20200%0D%1B[2J"


def test_a_newline_in_the_path_stays_on_its_log_line(client: TestClient, access_log: io.StringIO) -> None:
    assert client.get(FORGED).status_code == 404
    (line,) = access_log.getvalue().splitlines()
    assert " GET /api/v1/x\\n2025-01-01T00:00:00.000 INFO    ragloom.access GET /admin 200\\r\\x1b[2J 404 " in line
