"""``list_datasets`` and ``list_chats`` without a transport: the caller's own, paged and filtered
as the REST lists are, refused in the same words."""

from __future__ import annotations

import pytest

from ragloom.errors import RagloomError
from ragloom.mcp.listing import CHAT_FIELDS, DATASET_FIELDS, LIST_CHATS, LIST_DATASETS
from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from tests.search_support import searchable_dataset


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


def test_datasets_are_the_callers_own_with_their_sizes(
    services: Services, caller: Caller, other_caller: Caller
) -> None:
    mine, _ = searchable_dataset(services, caller, "fruit")
    searchable_dataset(services, other_caller, "secret plans")
    outcome = LIST_DATASETS.run(services, caller, {})
    assert outcome.data["total"] == 1
    (dataset,) = outcome.data["datasets"]
    assert set(dataset) == set(DATASET_FIELDS)
    assert dataset["id"] == mine
    assert dataset["name"] == "fruit"
    assert dataset["document_count"] == 1
    assert dataset["chunk_count"] == 2
    assert f"fruit (id {mine})" in outcome.text
    assert "secret plans" not in outcome.text
    assert LIST_DATASETS.run(services, other_caller, {}).data["total"] == 1


def test_datasets_are_paged_ordered_and_filtered(services: Services, caller: Caller) -> None:
    for name in ("apples", "bananas", "banana bread"):
        searchable_dataset(services, caller, name)
    outcome = LIST_DATASETS.run(services, caller, {"page": 1, "page_size": 2, "orderby": "create_time", "desc": False})
    assert [item["name"] for item in outcome.data["datasets"]] == ["apples", "bananas"]
    assert outcome.data["total"] == 3
    assert [item["name"] for item in LIST_DATASETS.run(services, caller, {"keywords": "banana"}).data["datasets"]] == [
        "banana bread",
        "bananas",
    ]
    assert [item["name"] for item in LIST_DATASETS.run(services, caller, {"name": "APPLES"}).data["datasets"]] == [
        "apples"
    ]


def test_bad_list_arguments_are_refused_as_the_route_refuses_them(services: Services, caller: Caller) -> None:
    with pytest.raises(RagloomError, match="page_size must be less than or equal to 100") as refused:
        LIST_DATASETS.run(services, caller, {"page_size": 500})
    assert refused.value.code == 101
    with pytest.raises(RagloomError, match="orderby"):
        LIST_DATASETS.run(services, caller, {"orderby": "name"})
    with pytest.raises(RagloomError, match=f"User '{caller.tenant_id}' lacks permission for dataset 'nothing'"):
        LIST_DATASETS.run(services, caller, {"name": "nothing"})


def test_chats_are_the_callers_own(services: Services, caller: Caller, other_caller: Caller) -> None:
    mine, _ = searchable_dataset(services, caller, "fruit")
    theirs, _ = searchable_dataset(services, other_caller, "theirs")
    chat = services.chats.create(caller, {"name": "fruit bot", "dataset_ids": [mine]}).record
    services.chats.create(other_caller, {"name": "their bot", "dataset_ids": [theirs]})
    outcome = LIST_CHATS.run(services, caller, {})
    assert outcome.data["total"] == 1
    (listed,) = outcome.data["chats"]
    assert set(listed) == set(CHAT_FIELDS)
    assert listed["id"] == chat.id
    assert listed["dataset_ids"] == [mine]
    assert listed["kb_names"] == ["fruit"]
    assert "fruit bot" in outcome.text
    assert "their bot" not in outcome.text
    with pytest.raises(RagloomError, match=r"ValueError\('page_size must be less than or equal to 100'\)"):
        LIST_CHATS.run(services, caller, {"page_size": 101})
