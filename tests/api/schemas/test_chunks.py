"""Chunk add and update requests held to the chunk limits: refused with a 101, nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.tenants import Caller
from ragloom.settings import LimitSettings, Settings

CONTENT = 1000
ITEMS = 3
ITEM_LENGTH = 256


@pytest.fixture
def settings(settings: Settings) -> Settings:
    limits = LimitSettings(max_chunk_content=CONTENT, max_chunk_list_items=ITEMS, max_string_length=ITEM_LENGTH)
    return settings.model_copy(update={"limits": limits})


@pytest.fixture
def chunks_path(services: Services, caller: Caller) -> str:
    dataset = services.datasets.create(caller, NewDataset(name="kb")).record.id
    document = services.documents.create_empty(caller, dataset, "e.txt").id
    return f"/api/v1/datasets/{dataset}/documents/{document}/chunks"


def contents(client: TestClient, headers: dict[str, str], path: str) -> list[dict[str, Any]]:
    chunks: list[dict[str, Any]] = client.get(path, headers=headers).json()["data"]["chunks"]
    return chunks


def test_content_at_the_limit_is_added_and_one_character_more_refused(
    client: TestClient, headers: dict[str, str], chunks_path: str
) -> None:
    added = client.post(chunks_path, json={"content": "a" * CONTENT}, headers=headers).json()
    assert added["code"] == 0
    refused = client.post(chunks_path, json={"content": "b" * (CONTENT + 1)}, headers=headers).json()
    assert refused == {"code": 101, "message": f"`content` is longer than the limit of {CONTENT} characters."}
    assert [chunk["content"] for chunk in contents(client, headers, chunks_path)] == ["a" * CONTENT]


def test_an_update_beyond_the_limit_changes_nothing(
    client: TestClient, headers: dict[str, str], chunks_path: str
) -> None:
    chunk = client.post(chunks_path, json={"content": "kept", "questions": ["q?"]}, headers=headers).json()
    path = f"{chunks_path}/{chunk['data']['chunk']['id']}"
    for body in (
        {"content": "c" * (CONTENT + 1)},
        {"content": "fine", "questions": ["q"] * (ITEMS + 1)},
        {"important_keywords": ["k" * (ITEM_LENGTH + 1)]},
    ):
        assert client.patch(path, json=body, headers=headers).json()["code"] == 101
    (stored,) = contents(client, headers, chunks_path)
    assert (stored["content"], stored["questions"], stored["important_keywords"]) == ("kept", ["q?"], [])


@pytest.mark.parametrize("key", ["questions", "important_keywords", "tag_kwd"])
def test_chunk_lists_are_held_to_their_item_count_and_item_length(
    client: TestClient, headers: dict[str, str], chunks_path: str, key: str
) -> None:
    def add(items: list[str]) -> dict[str, Any]:
        answer: dict[str, Any] = client.post(chunks_path, json={"content": "text", key: items}, headers=headers).json()
        return answer

    assert add(["x" * ITEM_LENGTH] * ITEMS)["code"] == 0
    assert add(["y"] * (ITEMS + 1)) == {"code": 101, "message": f"`{key}` has more than the limit of {ITEMS} items."}
    assert add(["z" * (ITEM_LENGTH + 1)]) == {
        "code": 101,
        "message": f"An item of `{key}` is longer than the limit of {ITEM_LENGTH} characters.",
    }
    assert len(contents(client, headers, chunks_path)) == 1
