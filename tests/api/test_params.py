"""Query strings and path parameters: lengths, repeats and integer ranges held to the limits
(101), and pages that never bypass the 100-row cap."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.integers import INT64_MAX, MAX_PAGE
from ragloom.services.chats import ChatListing
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import DocumentListing, IncomingFile
from ragloom.services.tenants import Caller
from ragloom.settings import LimitSettings, Settings
from ragloom.storage.index import ChunkRecord

LONGEST = 300
PAGE_SIZE_OVER_100 = "ValueError('page_size must be less than or equal to 100')"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"limits": LimitSettings(max_string_length=LONGEST, max_json_items=100)})


@pytest.fixture
def dataset_id(services: Services, caller: Caller) -> str:
    return services.datasets.create(caller, NewDataset(name="kb")).record.id


@pytest.fixture
def documents(services: Services, caller: Caller, dataset_id: str) -> list[str]:
    """35 documents (more than a default page), oldest first."""
    files = [IncomingFile(name=f"d{n:02}.txt", stream=io.BytesIO(b"x"), size=1) for n in range(35)]
    return [document.id for document in services.documents.upload(caller, dataset_id, files)]


def get(client: TestClient, headers: dict[str, str], path: str, **params: Any) -> dict[str, Any]:
    answer = client.get(f"/api/v1{path}", params=params, headers=headers)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


# ---- strings --------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["keywords", "name", "id", "orderby", "metadata_condition"])
def test_a_query_value_at_the_limit_is_read_and_one_longer_refused(
    client: TestClient, headers: dict[str, str], dataset_id: str, key: str
) -> None:
    path = f"/datasets/{dataset_id}/documents"
    at_limit = get(client, headers, path, **{key: "x" * LONGEST})
    assert "longer than the limit" not in at_limit["message"]
    assert get(client, headers, path, **{key: "x" * (LONGEST + 1)}) == {
        "code": 101,
        "message": f"`{key}` is longer than the limit of {LONGEST} characters.",
        "data": None,
    }


def test_the_longest_keywords_allowed_never_make_sql_refuse_the_pattern(
    services: Services, caller: Caller, dataset_id: str, documents: list[str]
) -> None:
    # SQLite refuses LIKE patterns over 50,000 bytes; the longest string the setting allows
    # stays under it even in 4-byte characters and in characters the pattern escapes.
    longest = next(
        bound.le for bound in LimitSettings.model_fields["max_string_length"].metadata if hasattr(bound, "le")
    )
    for keywords in ("%" * longest, "😀" * longest, "_" * longest):
        assert services.documents.list_page(caller, dataset_id, DocumentListing(keywords=keywords)) == ([], 0)
        assert services.chats.list_page(caller, ChatListing(keywords=keywords)) == ([], 0)


def test_every_list_route_refuses_an_overlong_query_value(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, dataset_id: str
) -> None:
    chat = services.chats.create(caller, {"name": "chat"}).record.id
    document = services.documents.create_empty(caller, dataset_id, "e.txt").id
    long = "k" * (LONGEST + 1)
    for path in (
        "/datasets",
        f"/datasets/{dataset_id}/documents",
        f"/datasets/{dataset_id}/documents/{document}/chunks",
        "/chats",
        f"/chats/{chat}/sessions",
        "/models",
    ):
        answer = get(client, headers, path, name=long)
        assert answer["code"] == 101, path
        assert answer["message"] == f"`name` is longer than the limit of {LONGEST} characters.", path


def test_an_overlong_path_parameter_or_parameter_name_is_refused(client: TestClient, headers: dict[str, str]) -> None:
    answer = get(client, headers, "/datasets/" + "a" * (LONGEST + 1))
    assert answer == {"code": 101, "message": f"`dataset_id` is longer than the limit of {LONGEST} characters."}
    answer = get(client, headers, "/datasets", **{"n" * (LONGEST + 1): "1"})
    assert answer["message"] == f"A query-string parameter name is longer than the limit of {LONGEST} characters."


def test_nul_in_a_query_value_parameter_name_or_path_parameter_is_refused(
    client: TestClient, headers: dict[str, str], dataset_id: str
) -> None:
    # No PostgreSQL text can hold NUL: refused on every backend alike, before any lookup.
    for path in ("/datasets", f"/datasets/{dataset_id}/documents", "/datasets/tags/aggregation", "/memories"):
        answer = get(client, headers, path, id="a\x00", dataset_ids="b\x00", memory_id="c\x00")
        assert answer["code"] == 101, path
        assert answer["message"].endswith("` must not contain the NUL character."), path
    answer = get(client, headers, "/datasets", **{"n\x00": "1"})
    assert answer["message"] == "`n\\x00` must not contain the NUL character."
    answer = get(client, headers, "/datasets/a%00b/documents")
    assert (answer["code"], answer["message"]) == (101, "`dataset_id` must not contain the NUL character.")


def test_a_parameter_repeated_more_than_the_item_limit_is_refused(
    client: TestClient, headers: dict[str, str], dataset_id: str, documents: list[str]
) -> None:
    path = f"/datasets/{dataset_id}/documents"
    at_the_limit = get(client, headers, path, ids=documents[:1] * 100)
    assert at_the_limit["message"] != "`ids` is given more than the limit of 100 times."  # refused as duplicates
    answer = get(client, headers, path, ids=documents[:1] * 101)
    assert (answer["code"], answer["message"]) == (101, "`ids` is given more than the limit of 100 times.")


def test_query_limits_come_after_authentication(client: TestClient) -> None:
    answer = client.get("/api/v1/chats", params={"keywords": "x" * (LONGEST + 1)})
    assert answer.status_code == 401


# ---- integers -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [str(INT64_MAX + 1), "1" + "0" * 30, "-" + "9" * 40])
def test_integers_beyond_64_bits_in_a_query_are_refused(
    client: TestClient, headers: dict[str, str], dataset_id: str, value: str
) -> None:
    for key in ("create_time_from", "create_time_to"):
        answer = get(client, headers, f"/datasets/{dataset_id}/documents", **{key: value})
        assert answer["code"] == 101
        assert answer["message"] in (
            f"`{key}` must be at most {INT64_MAX}.",
            f"`{key}` must be at least {-INT64_MAX - 1}.",
        )


def test_pages_beyond_the_last_possible_one_are_refused_on_every_list_route(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, dataset_id: str
) -> None:
    chat = services.chats.create(caller, {"name": "chat"}).record.id
    document = services.documents.create_empty(caller, dataset_id, "e.txt").id
    for path in (
        f"/datasets/{dataset_id}/documents",
        f"/datasets/{dataset_id}/documents/{document}/chunks",
        "/chats",
        f"/chats/{chat}/sessions",
    ):
        assert get(client, headers, path, page=MAX_PAGE, page_size=1)["code"] == 0, path
        for page in (MAX_PAGE + 1, INT64_MAX + 1, 10**30):
            answer = get(client, headers, path, page=page, page_size=1)
            assert (answer["code"], answer["message"]) == (101, f"`page` must be at most {MAX_PAGE}."), path
        for page_size in (101, INT64_MAX + 1):
            assert get(client, headers, path, page_size=page_size)["message"] == PAGE_SIZE_OVER_100, path
    answer = get(client, headers, "/datasets", page=10**19)
    assert answer == {
        "code": 101,
        "message": f"Field: <page> - Message: <Input should be less than or equal to {MAX_PAGE}> - Value: <{10**19}>",
    }


# ---- page sizes of 0 or less ----------------------------------------------------------------


def test_documents_page_size_of_zero_or_less_is_the_default_page(
    client: TestClient, headers: dict[str, str], dataset_id: str, documents: list[str]
) -> None:
    path = f"/datasets/{dataset_id}/documents"

    def listed(**params: Any) -> tuple[list[str], int]:
        data = get(client, headers, path, orderby="name", desc="false", **params)["data"]
        return [document["id"] for document in data["docs"]], data["total"]

    assert listed() == (documents[:30], 35)
    for page_size in (0, -1, -(10**6)):
        assert listed(page_size=page_size) == (documents[:30], 35)
        assert listed(page=2, page_size=page_size) == (documents[30:], 35)
    for page in (0, -3):
        assert listed(page=page, page_size=10) == (documents[:10], 35)
        assert listed(page=page, page_size=0) == (documents[:30], 35)


def test_chunks_page_size_of_zero_or_less_is_the_default_page(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, dataset_id: str
) -> None:
    document = services.documents.create_empty(caller, dataset_id, "e.txt")
    services.index.upsert(
        [ChunkRecord(f"c{n:02}", dataset_id, document.id, document.name, f"chunk {n}", order=n) for n in range(35)]
    )
    path = f"/datasets/{dataset_id}/documents/{document.id}/chunks"

    def listed(**params: Any) -> tuple[list[str], int]:
        data = get(client, headers, path, **params)["data"]
        return [chunk["id"] for chunk in data["chunks"]], data["total"]

    every = [f"c{n:02}" for n in range(35)]
    assert listed() == (every[:30], 35)
    for page_size in (0, -1):
        assert listed(page_size=page_size) == (every[:30], 35)
        assert listed(page=2, page_size=page_size) == (every[30:], 35)
    assert listed(page=0, page_size=5) == listed(page=-1, page_size=5) == (every[:5], 35)


def test_chats_without_both_page_and_size_are_the_first_100(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller
) -> None:
    for n in range(101):
        services.chats.create(caller, {"name": f"chat {n:03}"})

    def names(**params: Any) -> tuple[list[str], int]:
        data = get(client, headers, "/chats", orderby="name", desc="false", **params)["data"]
        return [chat["name"] for chat in data["chats"]], data["total"]

    every = [f"chat {n:03}" for n in range(101)]
    # RAGFlow answers every chat here; ragloom answers at most 100, total still counting all
    for params in ({}, {"page": 2}, {"page_size": 10}, {"page": 0, "page_size": 10}, {"page": 2, "page_size": -1}):
        assert names(**params) == (every[:100], 101), params
    assert names(page=2, page_size=10) == (every[10:20], 101)


def test_sessions_page_size_of_zero_or_less_lists_nothing_as_in_ragflow(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller
) -> None:
    chat = services.chats.create(caller, {"name": "chat"}).record.id
    created = [services.sessions.create(caller, chat, {"name": f"s{n}"}).id for n in range(3)]
    path = f"/chats/{chat}/sessions"

    def listed(**params: Any) -> list[str]:
        return [session["id"] for session in get(client, headers, path, desc="false", **params)["data"]]

    assert listed() == created
    assert listed(page_size=0) == listed(page_size=-5) == []
    assert listed(page=0, page_size=2) == listed(page=-9, page_size=2) == created[:2]


def test_datasets_refuse_pages_of_zero_or_less_as_ragflow_does(client: TestClient, headers: dict[str, str]) -> None:
    for key in ("page", "page_size"):
        for value in (0, -1):
            answer = get(client, headers, "/datasets", **{key: value})
            assert answer["code"] == 101
            assert f"Field: <{key}> - Message: <Input should be greater than or equal to 1>" in answer["message"]
