"""Tag routes through raw HTTP: list, aggregate, rename, remove."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.routers.conftest import Fruit


def tags(client: TestClient, headers: dict[str, str], fruit: Fruit) -> Any:
    return client.get(f"{fruit.path}/tags", headers=headers).json()


def test_list_and_aggregate(client: TestClient, headers: dict[str, str], fruit: Fruit) -> None:
    assert tags(client, headers, fruit) == {"code": 0, "data": [["fruit", 3], ["red", 2], ["tree", 1]]}
    empty = client.post("/api/v1/datasets", json={"name": "empty"}, headers=headers).json()["data"]["id"]
    expected = [{"value": "fruit", "count": 3}, {"value": "red", "count": 2}, {"value": "tree", "count": 1}]
    for query in (f"dataset_ids={fruit.dataset_id},{empty}", f"dataset_ids={fruit.dataset_id}&dataset_ids={empty}"):
        assert client.get(f"/api/v1/datasets/tags/aggregation?{query}", headers=headers).json() == {
            "code": 0,
            "data": expected,
        }
    for query in ("", "?dataset_ids=", "?dataset_ids=,"):
        assert client.get(f"/api/v1/datasets/tags/aggregation{query}", headers=headers).json() == {
            "code": 102,
            "message": "Lack of dataset_ids in query parameters",
        }


def test_rename_and_delete(client: TestClient, headers: dict[str, str], fruit: Fruit) -> None:
    renamed = client.put(f"{fruit.path}/tags", json={"from_tag": "red", "to_tag": "crimson"}, headers=headers)
    assert renamed.json() == {"code": 0, "data": {"from": "red", "to": "crimson"}}
    assert client.put(f"{fruit.path}/tags", json={"from_tag": "", "to_tag": ""}, headers=headers).json()["code"] == 0
    deleted = client.request("DELETE", f"{fruit.path}/tags", json={"tags": ["tree", "fruit"]}, headers=headers)
    assert deleted.json() == {"code": 0, "data": {}}
    assert client.request("DELETE", f"{fruit.path}/tags", json={"tags": []}, headers=headers).json()["code"] == 0
    assert tags(client, headers, fruit)["data"] == [["crimson", 2]]
    document = fruit.documents["apples.txt"]
    listed = client.get(f"{fruit.path}/documents/{document}/chunks", headers=headers).json()["data"]["chunks"]
    assert sorted(chunk["tag_kwd"] for chunk in listed) == [[], ["crimson"]]


@pytest.mark.parametrize(
    ("method", "body", "answer"),
    [
        ("DELETE", {}, {"code": 102, "message": "Lack of tags in request body"}),
        ("DELETE", None, {"code": 102, "message": "Lack of tags in request body"}),
        ("DELETE", {"tags": "red"}, {"code": 101, "message": "tags must be a list of strings"}),
        ("DELETE", {"tags": ["red", 1]}, {"code": 101, "message": "tags must be a list of strings"}),
        ("PUT", {"from_tag": "red"}, {"code": 102, "message": "Lack of from_tag or to_tag in request body"}),
        ("PUT", {"from_tag": "red", "to_tag": 5}, {"code": 101, "message": "from_tag and to_tag must be strings"}),
        ("PUT", {"from_tag": "red", "to_tag": ""}, {"code": 101, "message": "to_tag must not be empty"}),
    ],
)
def test_validation(
    client: TestClient, headers: dict[str, str], fruit: Fruit, method: str, body: Any, answer: dict[str, Any]
) -> None:
    assert client.request(method, f"{fruit.path}/tags", json=body, headers=headers).json() == answer
    assert tags(client, headers, fruit)["data"] == [["fruit", 3], ["red", 2], ["tree", 1]]


def test_another_tenant_gets_nothing_and_changes_nothing(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str], fruit: Fruit
) -> None:
    refused = {"code": 102, "message": "no authorization"}
    assert tags(client, other_headers, fruit) == refused
    rename = {"from_tag": "red", "to_tag": "stolen"}
    assert client.put(f"{fruit.path}/tags", json=rename, headers=other_headers).json() == refused
    remove = {"tags": ["fruit"]}
    assert client.request("DELETE", f"{fruit.path}/tags", json=remove, headers=other_headers).json() == refused
    aggregation = client.get(f"/api/v1/datasets/tags/aggregation?dataset_ids={fruit.dataset_id}", headers=other_headers)
    assert aggregation.json() == {"code": 102, "message": f"No authorization for dataset '{fruit.dataset_id}'"}
    assert tags(client, headers, fruit)["data"] == [["fruit", 3], ["red", 2], ["tree", 1]]
