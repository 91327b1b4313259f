"""The dataset-level routes against a live server whose worker really parses (contract §13.1-13.3):
the retrieval test over parsed chunks, the ingestion log of real parse tasks, tags, and bulk
metadata edits over many documents; another tenant reaches none of it."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

TIMEOUT = 30
GUIDE = "\n\n".join(
    [
        "Pandas eat bamboo for most of the day in the mountain forests of Sichuan.",
        "Red pandas are smaller and sleep in the trees during the afternoon.",
        "Bamboo shoots grow quickly in spring after the rains.",
    ]
).encode()


def call(method: str, url: str, auth: dict[str, str], **kwargs: Any) -> Any:
    return requests.request(method, url, headers=auth, timeout=TIMEOUT, **kwargs).json()


def parsed(api: str, auth: dict[str, str], dataset_id: str, document_id: str, limit: float = 120) -> dict[str, Any]:
    """Wait for the worker to finish the document; its list item."""
    deadline = time.monotonic() + limit
    while True:
        document: dict[str, Any] = call(
            "GET", f"{api}/datasets/{dataset_id}/documents", auth, params={"id": document_id}
        )["data"]["docs"][0]
        if document["run"] in {"DONE", "FAIL", "CANCEL"} or time.monotonic() > deadline:
            return document
        time.sleep(0.2)


@pytest.fixture
def guide(api: str, auth: dict[str, str], unique_name: str) -> tuple[str, str]:
    """A dataset with one document the live worker parsed."""
    body = {"name": unique_name, "parser_config": {"delimiter": "\n\n", "chunk_token_num": 16}}
    dataset_id = call("POST", f"{api}/datasets", auth, json=body)["data"]["id"]
    files = {"file": ("guide.txt", GUIDE)}
    (document,) = requests.post(
        f"{api}/datasets/{dataset_id}/documents", headers=auth, files=files, timeout=TIMEOUT
    ).json()["data"]
    assert (
        call("POST", f"{api}/datasets/{dataset_id}/chunks", auth, json={"document_ids": [document["id"]]})["code"] == 0
    )
    assert parsed(api, auth, dataset_id, document["id"])["run"] == "DONE"
    return dataset_id, document["id"]


def test_retrieval_test_over_parsed_chunks(api: str, auth: dict[str, str], guide: tuple[str, str]) -> None:
    dataset_id, document_id = guide
    answer = call("POST", f"{api}/datasets/{dataset_id}/search", auth, json={"question": "what do pandas eat"})
    assert answer["code"] == 0
    data = answer["data"]
    assert data["labels"] is None
    assert data["total"] == len(data["chunks"]) >= 2
    assert "bamboo" in data["chunks"][0]["content_with_weight"]
    assert all(chunk["doc_id"] == document_id for chunk in data["chunks"])
    across = call("POST", f"{api}/datasets/search", auth, json={"question": "pandas", "dataset_ids": [dataset_id]})
    assert across["code"] == 0


def test_ingestion_log_of_the_workers_task(api: str, auth: dict[str, str], guide: tuple[str, str]) -> None:
    dataset_id, document_id = guide
    listing = call("GET", f"{api}/datasets/{dataset_id}/ingestions", auth)["data"]
    assert listing["total"] == 1
    (entry,) = listing["logs"]
    assert (entry["document_id"], entry["operation_status"], entry["progress"]) == (document_id, "3", 1.0)
    assert entry["process_duration"] > 0
    assert call("GET", f"{api}/datasets/{dataset_id}/ingestions/{entry['id']}", auth)["data"] == entry
    summary = call("GET", f"{api}/datasets/{dataset_id}/ingestions/summary", auth)["data"]
    assert (summary["doc_num"], summary["status"]["done_count"]) == (1, 1)
    assert summary["chunk_num"] >= 2


def test_tags_on_parsed_chunks(api: str, auth: dict[str, str], guide: tuple[str, str]) -> None:
    dataset_id, document_id = guide
    chunks = call("GET", f"{api}/datasets/{dataset_id}/documents/{document_id}/chunks", auth)["data"]["chunks"]
    path = f"{api}/datasets/{dataset_id}/documents/{document_id}/chunks/{chunks[0]['id']}"
    assert call("PATCH", path, auth, json={"tag_kwd": ["animal", "china"]})["code"] == 0
    rename = {"from_tag": "animal", "to_tag": "mammal"}
    assert call("PUT", f"{api}/datasets/{dataset_id}/tags", auth, json=rename)["code"] == 0
    assert call("GET", f"{api}/datasets/{dataset_id}/tags", auth)["data"] == [["china", 1], ["mammal", 1]]
    aggregated = call("GET", f"{api}/datasets/tags/aggregation", auth, params={"dataset_ids": dataset_id})["data"]
    assert aggregated == [{"value": "china", "count": 1}, {"value": "mammal", "count": 1}]


def test_bulk_metadata_over_many_documents(api: str, auth: dict[str, str], unique_name: str) -> None:
    dataset_id = call("POST", f"{api}/datasets", auth, json={"name": unique_name})["data"]["id"]
    files = [("file", (f"note{n}.txt", f"note {n}".encode())) for n in range(120)]
    uploaded = requests.post(f"{api}/datasets/{dataset_id}/documents", headers=auth, files=files, timeout=TIMEOUT)
    ids = [document["id"] for document in uploaded.json()["data"]]
    body = {"selector": {"document_ids": ids}, "updates": [{"key": "author", "value": "new_author"}]}
    answer = call("PATCH", f"{api}/datasets/{dataset_id}/documents/metadatas", auth, json=body)
    assert answer == {"code": 0, "data": {"updated": 120, "matched_docs": 120}}
    summary = call("GET", f"{api}/datasets/{dataset_id}/metadata/summary", auth)["data"]["summary"]
    assert summary == {"author": {"type": "string", "values": [["new_author", 120]]}}


def test_another_tenant_reaches_none_of_it(
    api: str, auth: dict[str, str], other_auth: dict[str, str], guide: tuple[str, str]
) -> None:
    dataset_id, document_id = guide
    base = f"{api}/datasets/{dataset_id}"
    attempts = [
        ("POST", f"{base}/search", {"question": "pandas"}),
        ("GET", f"{base}/tags", None),
        ("PUT", f"{base}/tags", {"from_tag": "a", "to_tag": "b"}),
        ("DELETE", f"{base}/tags", {"tags": ["a"]}),
        ("GET", f"{base}/metadata/summary", None),
        ("POST", f"{base}/metadata/update", {"selector": {"document_ids": [document_id]}}),
        ("PATCH", f"{base}/documents/metadatas", {"selector": {"document_ids": [document_id]}}),
        ("PUT", f"{base}/documents/{document_id}/metadata/config", {"metadata": []}),
        ("GET", f"{base}/ingestions", None),
        ("GET", f"{base}/ingestions/summary", None),
        ("POST", f"{base}/index?type=graph", None),
        ("GET", f"{api}/datasets/metadata/flattened?dataset_ids={dataset_id}", None),
        ("GET", f"{api}/datasets/tags/aggregation?dataset_ids={dataset_id}", None),
    ]
    for method, url, body in attempts:
        answer = call(method, url, other_auth, json=body)
        assert answer["code"] == 102, (method, url, answer)
        assert set(answer) == {"code", "message"}
    document = parsed(api, auth, dataset_id, document_id)
    assert (document["meta_fields"], "metadata" in document["parser_config"]) == ({}, False)
