"""Search apps without HTTP: their rules, their tenant's walls, and their answers (scripted model)."""

from __future__ import annotations

import pytest

from ragloom.errors import ArgumentError, AuthorizationError, DataError, RetCode
from ragloom.services.answers import EventKind
from ragloom.services.container import Services
from ragloom.services.search_apps import NewSearchApp, SearchAppChanges, SearchAppListing
from ragloom.services.search_config import SearchConfig
from ragloom.services.tenants import Caller
from tests.conftest import SCRIPTED_CHAT_MODEL
from tests.openai_server import ANSWER, OpenAIStyleServer
from tests.search_support import FACT, searchable_dataset

QUESTION = "Are bananas rich in potassium?"


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


def config(**values: object) -> SearchConfig:
    return SearchConfig.model_validate(values)


def create(services: Services, caller: Caller, name: str = "search", **values: object) -> str:
    return services.search_apps.create(caller, NewSearchApp(name=name, config=config(**values)))


# ---- create, read, list -------------------------------------------------------------------------


def test_a_new_app_holds_every_setting_with_its_default(services: Services, caller: Caller) -> None:
    app_id = create(services, caller, top_k=8, ui_theme="dark")
    view = services.search_apps.get(caller, app_id)
    stored = view.record.search_config
    assert stored["top_k"] == 8
    assert stored["similarity_threshold"] == 0.2
    assert stored["kb_ids"] == []
    assert stored["chat_id"] == ""
    assert stored["summary"] is False
    assert stored["ui_theme"] == "dark"  # keys ragloom does not know are kept for the client
    assert view.record.created_by == caller.tenant_id
    assert view.owner is not None
    assert view.owner.name == "alice"


def test_names_taken_get_a_number_whatever_their_case(services: Services, caller: Caller) -> None:
    first = create(services, caller, "Fruit")
    second = create(services, caller, "fruit")
    third = create(services, caller, "FRUIT")
    names = [services.search_apps.get(caller, app_id).record.name for app_id in (first, second, third)]
    assert names == ["Fruit", "fruit(1)", "FRUIT(2)"]


def test_settings_naming_what_the_tenant_cannot_use_are_refused(
    services: Services, caller: Caller, other_caller: Caller
) -> None:
    theirs, _ = searchable_dataset(services, other_caller, "theirs")
    with pytest.raises(DataError, match=f"You don't own the dataset {theirs}"):
        create(services, caller, kb_ids=[theirs])
    with pytest.raises(DataError, match="`chat_id` gpt-4o@OpenAI doesn't exist"):
        create(services, caller, chat_id="gpt-4o@OpenAI")
    with pytest.raises(DataError, match="`rerank_id` nothing@Jina doesn't exist"):
        create(services, caller, rerank_id="nothing@Jina")
    assert services.search_apps.list_page(caller, SearchAppListing())[1] == 0


def test_listing_filters_pages_and_orders(services: Services, caller: Caller, other_caller: Caller) -> None:
    for name in ("apples", "bananas", "cherries", "banana bread"):
        create(services, caller, name)
    create(services, other_caller, "bananas")
    views, total = services.search_apps.list_page(caller, SearchAppListing(keywords="BANANA"))
    assert total == 2
    assert [view.record.name for view in views] == ["banana bread", "bananas"]  # newest first
    views, total = services.search_apps.list_page(
        caller, SearchAppListing(page=2, page_size=3, orderby="name", desc=False)
    )
    assert total == 4
    assert [view.record.name for view in views] == ["cherries"]
    everything, _ = services.search_apps.list_page(caller, SearchAppListing(page=0, page_size=0))
    assert len(everything) == 4


def test_listing_refuses_unknown_orders_and_other_owners(
    services: Services, caller: Caller, other_caller: Caller
) -> None:
    with pytest.raises(ArgumentError, match="Unknown orderby field: 'search_config'"):
        services.search_apps.list_page(caller, SearchAppListing(orderby="search_config"))
    with pytest.raises(AuthorizationError) as refused:
        services.search_apps.list_page(caller, SearchAppListing(owner_ids=[other_caller.tenant_id]))
    assert (refused.value.code, refused.value.message, refused.value.data) == (
        RetCode.OPERATING_ERROR,
        "Only authorized owner_ids can be queried.",
        False,
    )
    assert services.search_apps.list_page(caller, SearchAppListing(owner_ids=[caller.tenant_id]))[1] == 0


# ---- update and delete --------------------------------------------------------------------------


def test_update_renames_and_merges_only_the_keys_given(services: Services, caller: Caller) -> None:
    app_id = create(services, caller, top_k=8, keyword=True)
    changed = services.search_apps.update(
        caller,
        app_id,
        SearchAppChanges("Renamed", config(similarity_threshold=0.5, top_k=None, theme="x"), description="fruit"),
    )
    assert changed.name == "Renamed"
    assert changed.description == "fruit"
    assert changed.search_config["top_k"] == 8
    assert changed.search_config["keyword"] is True
    assert changed.search_config["similarity_threshold"] == 0.5
    assert changed.search_config["theme"] == "x"  # null leaves a setting as it is; unknown keys are kept
    services.search_apps.update(caller, app_id, SearchAppChanges("RENAMED", config()))  # its own name, recased
    assert services.search_apps.get(caller, app_id).record.name == "RENAMED"


def test_update_refuses_a_name_another_app_has(services: Services, caller: Caller) -> None:
    create(services, caller, "taken")
    app_id = create(services, caller, "mine")
    with pytest.raises(DataError, match=r"^Duplicated search name\.$"):
        services.search_apps.update(caller, app_id, SearchAppChanges("Taken", config(top_k=3)))
    record = services.search_apps.get(caller, app_id).record
    assert (record.name, record.search_config["top_k"]) == ("mine", 1024)


def test_another_tenant_s_app_can_be_neither_read_nor_changed(
    services: Services, caller: Caller, other_caller: Caller
) -> None:
    app_id = create(services, caller, "mine", top_k=8)
    with pytest.raises(AuthorizationError) as reading:
        services.search_apps.get(other_caller, app_id)
    assert (reading.value.code, reading.value.message) == (
        RetCode.OPERATING_ERROR,
        "Has no permission for this operation.",
    )
    refusals = (
        lambda: services.search_apps.update(other_caller, app_id, SearchAppChanges("x", config(top_k=1))),
        lambda: services.search_apps.delete(other_caller, app_id),
        lambda: services.search_apps.ask(other_caller, app_id, QUESTION, []),
    )
    for refusal in refusals:
        with pytest.raises(AuthorizationError) as changing:
            refusal()
        assert (changing.value.code, changing.value.message, changing.value.data) == (
            RetCode.AUTHENTICATION_ERROR,
            "No authorization.",
            False,
        )
    record = services.search_apps.get(caller, app_id).record
    assert (record.name, record.search_config["top_k"]) == ("mine", 8)


def test_delete_removes_the_app(services: Services, caller: Caller) -> None:
    app_id = create(services, caller)
    services.search_apps.delete(caller, app_id)
    with pytest.raises(AuthorizationError):
        services.search_apps.get(caller, app_id)
    with pytest.raises(AuthorizationError):
        services.search_apps.delete(caller, app_id)


# ---- answers ------------------------------------------------------------------------------------


def test_an_app_without_datasets_needs_them_from_the_request(services: Services, caller: Caller) -> None:
    app_id = create(services, caller)
    with pytest.raises(DataError, match=r"^`kb_ids` is required\.$"):
        services.search_apps.ask(caller, app_id, QUESTION, [])
    dataset_id, _ = searchable_dataset(services, caller, "fruit")
    answer = services.search_apps.ask(caller, app_id, QUESTION, [dataset_id]).answer()
    assert answer.answer.startswith(ANSWER)
    assert next(chunk["content"] for chunk in answer.reference["chunks"]) == FACT


def test_datasets_of_another_tenant_are_refused(services: Services, caller: Caller, other_caller: Caller) -> None:
    theirs, _ = searchable_dataset(services, other_caller, "theirs")
    app_id = create(services, caller)
    with pytest.raises(DataError, match=f"^You don't own the dataset {theirs}$"):
        services.search_apps.ask(caller, app_id, QUESTION, [theirs])


def test_the_answer_summarises_the_app_s_datasets_with_its_settings(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    mine, _ = searchable_dataset(services, caller, "fruit")
    unrelated, _ = searchable_dataset(services, caller, "bread", texts=("Rye bread is dense.",))
    app_id = create(services, caller, kb_ids=[mine], chat_id=SCRIPTED_CHAT_MODEL, llm_setting={"top_p": 0.5})
    chat_server.answer = ["Bananas are ", "rich in potassium."]
    turn = services.search_apps.ask(caller, app_id, QUESTION, [unrelated])  # the app's own datasets win
    events = list(turn.events())
    assert [event.text for event in events if event.kind is EventKind.DELTA] == ["Bananas are ", "rich in potassium."]
    final = events[-1]
    assert final.kind is EventKind.FINAL
    assert final.answer is not None
    assert final.answer.answer == "Bananas are rich in potassium.[ID:0]"  # cited where the model did not
    reference = final.answer.reference
    assert reference["chunks"][0]["content"] == FACT
    assert {chunk["dataset_id"] for chunk in reference["chunks"]} == {mine}
    assert reference["doc_aggs"][0]["count"] == len(reference["chunks"])
    (sent,) = [body for body in chat_server.bodies if "messages" in body]
    assert sent["temperature"] == 0.1
    assert sent["top_p"] == 0.5
    system, question = sent["messages"]
    assert FACT in system["content"]
    assert "[ID:n]" in system["content"]
    assert question == {"role": "user", "content": QUESTION}


def test_a_failing_model_ends_the_answer_with_an_error_naming_it(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    dataset_id, _ = searchable_dataset(services, caller, "fruit")
    app_id = create(services, caller, kb_ids=[dataset_id])
    turn = services.search_apps.ask(caller, app_id, QUESTION, [])
    chat_server.failure = 503
    events = list(turn.events())
    error = next(event for event in events if event.kind is EventKind.ERROR)
    assert SCRIPTED_CHAT_MODEL in error.text
    assert "503" in error.text
    assert "SECRET" not in error.text
