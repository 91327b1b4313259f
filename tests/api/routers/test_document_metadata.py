"""Dataset-level metadata routes through raw HTTP: summary, flattened, bulk edit (both paths),
and a document's metadata config."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.routers.conftest import Fruit


def meta_fields(client: TestClient, headers: dict[str, str], fruit: Fruit) -> dict[str, Any]:
    docs = client.get(f"{fruit.path}/documents", headers=headers).json()["data"]["docs"]
    return {doc["name"]: doc["meta_fields"] for doc in docs}


def edit(client: TestClient, headers: dict[str, str], fruit: Fruit, body: Any, *, patch: bool = False) -> Any:
    if patch:
        return client.patch(f"{fruit.path}/documents/metadatas", json=body, headers=headers).json()
    return client.post(f"{fruit.path}/metadata/update", json=body, headers=headers).json()


def test_summary_and_flattened(client: TestClient, headers: dict[str, str], fruit: Fruit) -> None:
    summary = client.get(f"{fruit.path}/metadata/summary", headers=headers).json()
    assert summary == {
        "code": 0,
        "data": {
            "summary": {
                "colour": {"type": "string", "values": [["apples", 1], ["bananas", 1]]},
                "year": {"type": "number", "values": [["2024", 2]]},
            }
        },
    }
    apples = fruit.documents["apples.txt"]
    narrowed = client.get(f"{fruit.path}/metadata/summary?doc_ids={apples},nope", headers=headers).json()
    assert narrowed["data"]["summary"]["year"]["values"] == [["2024", 1]]
    flattened = client.get(f"/api/v1/datasets/metadata/flattened?dataset_ids={fruit.dataset_id}", headers=headers)
    assert flattened.json()["data"]["colour"] == {"apples": [apples], "bananas": [fruit.documents["bananas.txt"]]}
    missing = client.get("/api/v1/datasets/metadata/flattened", headers=headers).json()
    assert missing == {"code": 102, "message": "Lack of dataset_ids in query parameters"}


@pytest.mark.parametrize("patch", [False, True])
def test_bulk_edit_on_both_paths(client: TestClient, headers: dict[str, str], fruit: Fruit, patch: bool) -> None:
    ids = list(fruit.documents.values())
    body = {
        "selector": {"document_ids": ids},
        "updates": [{"key": "colour", "value": "green", "match": "apples"}, {"key": "tags", "value": ["a", "b"]}],
        "deletes": [{"key": "year", "value": 2024}],
    }
    assert edit(client, headers, fruit, body, patch=patch) == {"code": 0, "data": {"updated": 2, "matched_docs": 2}}
    assert meta_fields(client, headers, fruit) == {
        "apples.txt": {"colour": "green", "tags": ["a", "b"]},
        "bananas.txt": {"colour": "bananas", "tags": ["a", "b"]},
    }
    condition = {"conditions": [{"name": "colour", "comparison_operator": "is", "value": "green"}]}
    narrowed = {"selector": {"metadata_condition": condition}, "deletes": [{"key": "tags", "value": "a"}]}
    assert edit(client, headers, fruit, narrowed, patch=patch)["data"] == {"updated": 1, "matched_docs": 1}
    assert meta_fields(client, headers, fruit)["apples.txt"]["tags"] == ["b"]
    assert edit(client, headers, fruit, {"updates": [{"key": "x", "value": 1}]}, patch=patch)["data"] == {
        "updated": 0,
        "matched_docs": 0,
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"selector": ["a"]}, "selector must be an object."),
        ({"selector": {}, "updates": {"key": "a"}}, "updates and deletes must be lists."),
        ({"deletes": "year"}, "updates and deletes must be lists."),
        ({"selector": {"metadata_condition": "author=bob"}}, "metadata_condition must be an object."),
        ({"selector": {"document_ids": "abc"}}, "document_ids must be a list."),
        ({"updates": [{"key": "a"}]}, "Each update requires key and value."),
        ({"updates": [{"key": "", "value": 1}]}, "Each update requires key and value."),
        ({"updates": ["a"]}, "Each update requires key and value."),
        ({"deletes": [{"value": 1}]}, "Each delete requires key."),
        (
            {"updates": [{"key": "a", "value": {"nested": 1}}]},
            "Field: <updates.0.value.str> - Message: <Input should be a valid string> - Value: <{'nested': 1}>\n"
            "Field: <updates.0.value.int> - Message: <Input should be a valid integer> - Value: <{'nested': 1}>\n"
            "Field: <updates.0.value.float> - Message: <Input should be a valid number> - Value: <{'nested': 1}>\n"
            "Field: <updates.0.value.list[union[str,int,float]]> - Message: <Input should be a valid list> - Value: "
            "<{'nested': 1}>",
        ),
    ],
)
def test_validation_in_ragflow_words(
    client: TestClient, headers: dict[str, str], fruit: Fruit, body: Any, message: str
) -> None:
    before = meta_fields(client, headers, fruit)
    assert edit(client, headers, fruit, body) == {"code": 102, "message": message}
    assert meta_fields(client, headers, fruit) == before


def test_documents_outside_the_dataset_are_refused(client: TestClient, headers: dict[str, str], fruit: Fruit) -> None:
    apples = fruit.documents["apples.txt"]
    body = {"selector": {"document_ids": [apples, "nope"]}, "updates": [{"key": "colour", "value": "x"}]}
    answer = edit(client, headers, fruit, body)
    assert answer == {"code": 102, "message": f"These documents do not belong to dataset {fruit.dataset_id}: nope"}
    assert meta_fields(client, headers, fruit)["apples.txt"]["colour"] == "apples"


def test_a_documents_metadata_config(client: TestClient, headers: dict[str, str], fruit: Fruit) -> None:
    apples = fruit.documents["apples.txt"]
    path = f"{fruit.path}/documents/{apples}/metadata/config"
    fields = [{"key": "author", "type": "string", "description": "who wrote it"}]
    answer = client.put(path, json={"metadata": fields}, headers=headers).json()
    assert answer["code"] == 0
    row = answer["data"]
    assert (row["id"], row["kb_id"], row["parser_config"]["metadata"]) == (apples, fruit.dataset_id, fields)
    assert {"parser_id", "chunk_num", "token_num", "run", "create_date", "meta_fields"} <= set(row)
    assert client.put(path, json={}, headers=headers).json() == {"code": 101, "message": "metadata is required"}
    assert client.put(path, json={"metadata": "x"}, headers=headers).json() == {
        "code": 101,
        "message": "metadata must be a list or an object",
    }
    missing = client.put(f"{fruit.path}/documents/nope/metadata/config", json={"metadata": []}, headers=headers)
    assert missing.json() == {"code": 102, "message": f"Document nope not found in dataset {fruit.dataset_id}"}


def test_another_tenant_gets_nothing_and_changes_nothing(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str], fruit: Fruit
) -> None:
    before = meta_fields(client, headers, fruit)
    apples = fruit.documents["apples.txt"]
    body = {"selector": {"document_ids": [apples]}, "updates": [{"key": "colour", "value": "stolen"}]}
    assert edit(client, other_headers, fruit, body) == {
        "code": 102,
        "message": f"You don't own the dataset {fruit.dataset_id}. ",
    }
    assert edit(client, other_headers, fruit, {"selector": []}, patch=True) == {
        "code": 102,
        "message": f"You don't own the dataset {fruit.dataset_id}.",
    }
    summary = client.get(f"{fruit.path}/metadata/summary", headers=other_headers).json()
    assert summary == {"code": 102, "message": f"You don't own the dataset {fruit.dataset_id}. "}
    flattened = client.get(f"/api/v1/datasets/metadata/flattened?dataset_ids={fruit.dataset_id}", headers=other_headers)
    assert flattened.json() == {"code": 102, "message": f"No authorization for dataset '{fruit.dataset_id}'"}
    config = client.put(
        f"{fruit.path}/documents/{apples}/metadata/config", json={"metadata": []}, headers=other_headers
    )
    assert config.json() == {"code": 102, "message": "You don't own the dataset."}
    assert meta_fields(client, headers, fruit) == before
    listed = client.get(f"{fruit.path}/documents?id={apples}", headers=headers).json()["data"]["docs"][0]
    assert "metadata" not in listed["parser_config"]
