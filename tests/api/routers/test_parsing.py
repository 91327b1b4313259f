"""Parse and stop routes through raw HTTP: stopping a parse that already finished is refused as
RAGFlow refuses it (``DOC_STOP_PARSING_INVALID_STATE``) and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services

REFUSAL = {
    "code": 102,
    "message": "Can't stop parsing document that has not started or already completed",
    "data": {"error_code": "DOC_STOP_PARSING_INVALID_STATE"},
}


def document_state(client: TestClient, headers: dict[str, str], dataset_id: str, document_id: str) -> dict[str, Any]:
    path = f"/api/v1/datasets/{dataset_id}/documents"
    (document,) = client.get(path, params={"id": document_id}, headers=headers).json()["data"]["docs"]
    return {key: document[key] for key in ("run", "progress", "chunk_count", "token_count")}


@pytest.mark.parametrize(("method", "route"), [("DELETE", "chunks"), ("POST", "documents/stop")])
def test_stopping_a_finished_parse_is_refused_and_keeps_the_result(
    client: TestClient, headers: dict[str, str], services: Services, method: str, route: str
) -> None:
    dataset_id = client.post("/api/v1/datasets", json={"name": "kb"}, headers=headers).json()["data"]["id"]
    uploaded = client.post(
        f"/api/v1/datasets/{dataset_id}/documents", files=[("file", ("a.txt", b"hello"))], headers=headers
    ).json()["data"]
    document_id = uploaded[0]["id"]
    client.post(f"/api/v1/datasets/{dataset_id}/chunks", json={"document_ids": [document_id]}, headers=headers)
    task = services.ledger.claim("test-worker")
    assert task is not None
    services.ledger.complete(task.lease, 2, 10, "Task done.")
    done = document_state(client, headers, dataset_id, document_id)
    assert done == {"run": "DONE", "progress": 1.0, "chunk_count": 2, "token_count": 10}

    body = {"document_ids": [document_id]}
    answer = client.request(method, f"/api/v1/datasets/{dataset_id}/{route}", json=body, headers=headers)
    assert answer.json() == REFUSAL
    assert document_state(client, headers, dataset_id, document_id) == done
