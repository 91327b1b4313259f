"""A dataset built through the API for the dataset-level route tests: two documents, each parsed
once (its task claimed and finished without a worker), with metadata and tagged chunks."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services

CHUNKS = {
    "apples.txt": [("Apples are red fruit.", ["fruit", "red"]), ("Apple trees grow in orchards.", ["tree"])],
    "bananas.txt": [("Bananas are yellow fruit.", ["fruit"]), ("Cherries are small red fruit.", ["fruit", "red"])],
}


@dataclass
class Fruit:
    """What the ``fruit`` fixture made."""

    dataset_id: str
    documents: dict[str, str]

    @property
    def path(self) -> str:
        return f"/api/v1/datasets/{self.dataset_id}"


@pytest.fixture
def fruit(client: TestClient, headers: dict[str, str], services: Services) -> Fruit:
    dataset_id = client.post("/api/v1/datasets", json={"name": "fruit"}, headers=headers).json()["data"]["id"]
    files = [("file", (name, name.encode())) for name in CHUNKS]
    uploaded = client.post(f"/api/v1/datasets/{dataset_id}/documents", files=files, headers=headers).json()["data"]
    documents = {item["name"]: item["id"] for item in uploaded}
    for document_id in documents.values():  # parsing first: starting a parse clears the document's chunks
        started = client.post(
            f"/api/v1/datasets/{dataset_id}/chunks", json={"document_ids": [document_id]}, headers=headers
        )
        assert started.json()["code"] == 0
        task = services.ledger.claim("test-worker")
        assert task is not None
        services.ledger.complete(task.lease, 2, 10, "Task done.")
    for name, chunks in CHUNKS.items():
        path = f"/api/v1/datasets/{dataset_id}/documents/{documents[name]}"
        meta = {"meta_fields": {"colour": name.removesuffix(".txt"), "year": 2024}}
        assert client.patch(path, json=meta, headers=headers).json()["code"] == 0
        for text, tags in chunks:
            added = client.post(f"{path}/chunks", json={"content": text, "tag_kwd": tags}, headers=headers).json()
            assert added["code"] == 0
    return Fruit(dataset_id, documents)
