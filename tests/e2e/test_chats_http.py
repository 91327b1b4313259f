"""Chat assistants over raw HTTP against a live server (contract §8, §2.5, §1.6).

Success is envelope J; refusals are D-shaped (exactly ``code`` and ``message``) except the
J 109 ``No authorization.`` with ``data: false`` for a chat that is not the caller's.
Model checks need configured chat and rerank models, so a second server (no workers, models
that are never called) serves those tests.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.chats_support import (
    CHAT_KEYS,
    CHAT_LIST_KEYS,
    DEFAULT_MODEL,
    FAST_MODEL,
    HTTP_DATE,
    NO_AUTHORIZATION,
    Api,
    is_uuid1_hex,
    parsed_dataset,
    refused,
)
from tests.e2e.conftest import LiveServer, new_tenant_key, ragloom, start_server, stop_server

CHAT_MODEL = "fake-chat@OpenAI-API-Compatible"
RERANK_MODEL = "fake-reranker@Jina"
DEFAULT_PROMPT_KEYS = {"system", "prologue", "parameters", "empty_response", "quote", "tts", "refine_multiturn"}
KNOWLEDGE = [{"key": "knowledge", "optional": False}]


@pytest.fixture(scope="module")
def module_rag(live_server: LiveServer) -> Any:
    from ragflow_sdk import RAGFlow

    return RAGFlow(live_server.key, live_server.base_url)


@pytest.fixture(scope="module")
def http(live_server: LiveServer) -> Api:
    return Api(live_server)


@pytest.fixture(scope="module")
def other_http(live_server: LiveServer) -> Api:
    return Api(live_server, live_server.other_key)


@pytest.fixture(scope="module")
def listing_http(live_server: LiveServer, server_env: dict[str, str]) -> Api:
    """A tenant only the listing tests write to (each filters its own chats by a unique prefix)."""
    return Api(live_server, new_tenant_key(live_server, server_env, f"chat-listing-{time.time_ns()}"))


@pytest.fixture
def fresh_http(live_server: LiveServer, server_env: dict[str, str], unique_name: str) -> Api:
    """A tenant created for this test alone (listing order, totals, delete_all)."""
    return Api(live_server, new_tenant_key(live_server, server_env, unique_name))


@pytest.fixture(scope="module")
def corpus(module_rag: Any) -> Any:
    return parsed_dataset(module_rag, f"chats-http-corpus-{time.time_ns()}")


@pytest.fixture(scope="module")
def models_server(tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]) -> Iterator[LiveServer]:
    """A server whose configuration names a chat model (the default) and a rerank model."""
    root = tmp_path_factory.mktemp("chat-models")
    config = root / "ragloom.toml"
    config.write_text(
        "[workers]\ncount = 0\n\n"
        f'[models]\ndefault_chat_model = "{CHAT_MODEL}"\n\n'
        '[[models.remote]]\nkind = "chat"\nname = "fake-chat"\nfactory = "OpenAI-API-Compatible"\n'
        'base_url = "http://127.0.0.1:9/v1"\n\n'
        '[[models.remote]]\nkind = "rerank"\nname = "fake-reranker"\nfactory = "Jina"\n'
        'base_url = "http://127.0.0.1:9"\n'
    )
    env = {**server_env, "RAGLOOM_CONFIG": str(config)}
    data_dir = root / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=env).strip()
    process, base_url = start_server(data_dir, env, root / "server.log")
    yield LiveServer(base_url, f"{base_url}/api/v1", key, key, data_dir, process, root / "server.log", env)
    stop_server(process)


# ---- create: shape and defaults -----------------------------------------------------------------


def test_create_returns_the_chat_with_its_defaults(http, unique_name):
    chat = http.create_chat(unique_name)

    assert set(chat) == CHAT_KEYS
    assert is_uuid1_hex(chat["id"])
    assert len(chat["tenant_id"]) == 32
    assert chat["name"] == unique_name
    expected = {
        "description": "A helpful Assistant",
        "icon": "",
        "language": "English",
        "tenant_llm_id": None,
        "llm_setting": {},
        "prompt_type": "simple",
        "meta_data_filter": {},
        "similarity_threshold": 0.1,
        "vector_similarity_weight": 0.3,
        "top_n": 6,
        "top_k": 1024,
        "do_refer": "1",
        "rerank_id": "",
        "tenant_rerank_id": None,
        "dataset_ids": [],
        "kb_names": [],
        "status": "1",
    }
    assert {key: chat[key] for key in expected} == expected
    assert isinstance(chat["llm_id"], str)
    config = chat["prompt_config"]
    assert set(config) == DEFAULT_PROMPT_KEYS
    assert "{knowledge}" in config["system"]
    assert config["prologue"] == "Hi! I'm your assistant. What can I do for you?"
    assert config["parameters"] == KNOWLEDGE
    assert config["empty_response"] == "Sorry! No relevant content was found in the knowledge base!"
    assert (config["quote"], config["tts"], config["refine_multiturn"]) == (True, False, True)
    assert isinstance(chat["create_time"], int)
    assert chat["update_time"] == chat["create_time"]
    assert HTTP_DATE.match(chat["create_date"])
    assert HTTP_DATE.match(chat["update_date"])


def test_create_keeps_the_settings_sent_and_drops_unknown_keys(http, unique_name):
    chat = http.create_chat(
        f"  {unique_name}  ",
        description="Answers about fruit",
        icon="data:image/png;base64,AAAA",
        language="Chinese",
        similarity_threshold=0.25,
        vector_similarity_weight=0.5,
        top_n=3,
        top_k=512,
        do_refer="0",
        prompt_type="advanced",
        meta_data_filter={"method": "auto"},
        llm_setting={"temperature": 0.2, "max_tokens": 256},
        bogus="dropped",
        avatar="legacy",
        llm={"temperature": 0.9},  # the older shape: today's keys sent beside it win
        prompt={"similarity_threshold": 0.9},
        status="0",
        create_time=1,
    )
    assert chat["name"] == unique_name
    assert chat["description"] == "Answers about fruit"
    assert chat["icon"] == "data:image/png;base64,AAAA"
    assert chat["language"] == "Chinese"
    assert (chat["similarity_threshold"], chat["vector_similarity_weight"]) == (0.25, 0.5)
    assert (chat["top_n"], chat["top_k"], chat["do_refer"], chat["prompt_type"]) == (3, 512, "0", "advanced")
    assert chat["meta_data_filter"] == {"method": "auto"}
    assert chat["llm_setting"] == {"temperature": 0.2, "max_tokens": 256}
    assert chat["status"] == "1"
    assert chat["create_time"] > 1
    assert not {"bogus", "avatar", "llm", "prompt"} & set(chat)


def test_prompt_config_keys_left_out_come_from_the_defaults(http, unique_name):
    chat = http.create_chat(unique_name, prompt_config={"prologue": "Hello!", "quote": False, "extra": 1})
    config = chat["prompt_config"]
    assert config["prologue"] == "Hello!"
    assert config["quote"] is False
    assert config["extra"] == 1
    assert config["parameters"] == KNOWLEDGE
    assert "{knowledge}" in config["system"]

    # an empty system prompt is replaced by the default one
    chat = http.create_chat(f"{unique_name}-empty", prompt_config={"system": ""})
    assert "{knowledge}" in chat["prompt_config"]["system"]


def test_the_knowledge_parameter_is_added_only_for_chats_with_datasets(http, corpus, unique_name):
    with_datasets = http.create_chat(
        f"{unique_name}-1", dataset_ids=[corpus.id], prompt_config={"system": "Use {knowledge}.", "parameters": []}
    )
    assert with_datasets["prompt_config"]["parameters"] == KNOWLEDGE

    without_datasets = http.create_chat(
        f"{unique_name}-2", prompt_config={"system": "Use {knowledge}.", "parameters": []}
    )
    assert without_datasets["prompt_config"]["parameters"] == []

    no_placeholder = http.create_chat(
        f"{unique_name}-3", dataset_ids=[corpus.id], prompt_config={"system": "No knowledge.", "parameters": []}
    )
    assert no_placeholder["prompt_config"]["parameters"] == []

    declared = [{"key": "topic", "optional": True}]
    kept = http.create_chat(
        f"{unique_name}-4", dataset_ids=[corpus.id], prompt_config={"system": "{knowledge}", "parameters": declared}
    )
    assert kept["prompt_config"]["parameters"] == declared


def test_create_accepts_a_form_body(http, unique_name):
    chat = http.data("POST", "/chats", data={"name": unique_name, "top_n": "4"})
    assert (chat["name"], chat["top_n"]) == (unique_name, 4)


# ---- create: refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "`name` is required."),
        ({"name": None}, "`name` is required."),
        ({"name": "   "}, "`name` is required."),
        ({"name": 5}, "Chat name must be a string."),
        ({"name": ["a"]}, "Chat name must be a string."),
        ({"name": "é" * 128}, "Chat name length is 256 which is larger than 255."),
        ({"name": "ok", "tenant_id": "someone"}, "`tenant_id` must not be provided."),
        ({"name": "ok", "dataset_ids": "abc"}, "`dataset_ids` should be a list."),
        ({"name": "ok", "prompt_config": "text"}, "`prompt_config` should be an object."),
        ({"name": "ok", "prompt_config": None}, "`prompt_config` should be an object."),
        ({"name": "ok", "llm_id": "nope@OpenAI"}, "`llm_id` nope@OpenAI doesn't exist"),
        ({"name": "ok", "rerank_id": "nope@Jina"}, "`rerank_id` nope@Jina doesn't exist"),
        ({"name": "ok", "top_n": "many"}, "`top_n` should be an integer."),
        ({"name": "ok", "top_k": 1.5}, "`top_k` should be an integer."),
        ({"name": "ok", "similarity_threshold": "high"}, "`similarity_threshold` should be a number."),
        ({"name": "ok", "vector_similarity_weight": True}, "`vector_similarity_weight` should be a number."),
        ({"name": "ok", "llm_setting": [1]}, "`llm_setting` should be an object."),
        ({"name": "ok", "meta_data_filter": "x"}, "`meta_data_filter` should be an object."),
        ({"name": "ok", "description": 3}, "`description` should be a string."),
        ({"name": "ok", "do_refer": "yes"}, "`do_refer` should be '0' or '1'."),
    ],
)
def test_create_refusals(http, body, message):
    refused(http.error("POST", "/chats", json=body), message)


def test_name_limit_is_255_bytes_after_trimming(http, unique_name):
    name = unique_name[:40] + "é" * ((255 - len(unique_name[:40])) // 2)
    name = name + "a" * (255 - len(name.encode()))
    assert len(name.encode()) == 255
    assert http.create_chat(f"  {name}  ")["name"] == name


def test_duplicate_names_are_refused_case_insensitively(http, other_http, unique_name):
    http.create_chat(unique_name)
    refused(http.error("POST", "/chats", json={"name": unique_name.upper()}), "Duplicated chat name in creating chat.")
    refused(http.error("POST", "/chats", json={"name": f" {unique_name} "}), "Duplicated chat name in creating chat.")
    # another tenant may use the name
    assert other_http.create_chat(unique_name)["name"] == unique_name


def test_a_deleted_chats_name_is_free_again(http, unique_name):
    chat = http.create_chat(unique_name)
    assert http.data("DELETE", f"/chats/{chat['id']}") is True
    assert http.create_chat(unique_name)["id"] != chat["id"]


def test_non_object_bodies(http):
    assert http.call("POST", "/chats", json=["a"]) == {
        "code": 100,
        "message": "AttributeError(\"'list' object has no attribute 'get'\")",
        "data": None,
    }


# ---- datasets -----------------------------------------------------------------------------------


def test_datasets_are_attached_with_their_names(http, corpus, unique_name):
    chat = http.create_chat(unique_name, dataset_ids=[corpus.id, "", None, corpus.id])
    assert chat["dataset_ids"] == [corpus.id]
    assert chat["kb_names"] == [corpus.name]
    assert chat["prompt_config"]["parameters"] == KNOWLEDGE


def test_dataset_ids_null_means_none(http, unique_name):
    assert http.create_chat(unique_name, dataset_ids=None)["dataset_ids"] == []


def test_only_the_callers_parsed_datasets_with_one_embedding_model(
    http, module_rag, other_http, live_server, corpus, unique_name
):
    from ragflow_sdk import RAGFlow

    foreign = parsed_dataset(RAGFlow(live_server.other_key, live_server.base_url), f"{unique_name}-foreign")
    refused(
        http.error("POST", "/chats", json={"name": unique_name, "dataset_ids": [corpus.id, foreign.id]}),
        f"You don't own the dataset {foreign.id}",
    )
    missing = "0" * 32
    refused(
        http.error("POST", "/chats", json={"name": unique_name, "dataset_ids": [missing]}),
        f"You don't own the dataset {missing}",
    )

    empty = module_rag.create_dataset(name=f"{unique_name}-empty", embedding_model=FAST_MODEL)
    empty.upload_documents([{"display_name": "unparsed.txt", "blob": b"never parsed"}])
    refused(
        http.error("POST", "/chats", json={"name": unique_name, "dataset_ids": [corpus.id, empty.id]}),
        f"The dataset {empty.id} doesn't own parsed file",
    )

    other_model = parsed_dataset(module_rag, f"{unique_name}-e5", model=DEFAULT_MODEL)
    refused(
        http.error("POST", "/chats", json={"name": unique_name, "dataset_ids": [corpus.id, other_model.id]}),
        f"Datasets use different embedding models: ['{FAST_MODEL}', '{DEFAULT_MODEL}']",
    )
    # the other tenant cannot use ours either
    refused(
        other_http.error("POST", "/chats", json={"name": unique_name, "dataset_ids": [corpus.id]}),
        f"You don't own the dataset {corpus.id}",
    )


def test_a_deleted_dataset_disappears_from_the_chat(http, module_rag, corpus, unique_name):
    doomed = parsed_dataset(module_rag, f"{unique_name}-doomed")
    chat = http.create_chat(unique_name, dataset_ids=[doomed.id, corpus.id])
    assert chat["kb_names"] == [doomed.name, corpus.name]

    module_rag.delete_datasets(ids=[doomed.id])

    fetched = http.data("GET", f"/chats/{chat['id']}")
    assert (fetched["dataset_ids"], fetched["kb_names"]) == ([corpus.id], [corpus.name])
    (listed,) = http.data("GET", "/chats", params={"id": chat["id"]})["chats"]
    assert (listed["dataset_ids"], listed["kb_names"]) == ([corpus.id], [corpus.name])
    # the chat still works with what is left
    updated = http.data("PATCH", f"/chats/{chat['id']}", json={"top_n": 2})
    assert updated["dataset_ids"] == [corpus.id]


# ---- models -------------------------------------------------------------------------------------


def test_exempt_rerank_models_need_no_configuration(http, unique_name):
    for index, rerank_id in enumerate(
        ["BAAI/bge-reranker-v2-m3", "BAAI/bge-reranker-v2-m3@BAAI", "maidalun1020/bce-reranker-base_v1@Youdao"]
    ):
        assert http.create_chat(f"{unique_name}-{index}", rerank_id=rerank_id)["rerank_id"] == rerank_id


def test_empty_model_ids_are_not_checked(http, unique_name):
    chat = http.create_chat(unique_name, llm_id="", rerank_id="")
    assert (chat["llm_id"], chat["rerank_id"]) == ("", "")


def test_configured_models_are_accepted_and_the_default_is_used(models_server, unique_name):
    http = Api(models_server)
    chat = http.create_chat(unique_name)
    assert chat["llm_id"] == CHAT_MODEL

    chat = http.create_chat(f"{unique_name}-2", llm_id=CHAT_MODEL, rerank_id=RERANK_MODEL, llm_setting={"top_p": 0.5})
    assert (chat["llm_id"], chat["rerank_id"]) == (CHAT_MODEL, RERANK_MODEL)
    # case-insensitive like every model id here
    assert http.create_chat(f"{unique_name}-3", llm_id=CHAT_MODEL.upper())["llm_id"] == CHAT_MODEL.upper()
    # an explicit null takes the default too
    assert http.create_chat(f"{unique_name}-4", llm_id=None)["llm_id"] == CHAT_MODEL


def test_model_refusals_with_configured_models(models_server, unique_name):
    http = Api(models_server)
    cases = [
        ({"llm_id": RERANK_MODEL}, f"`llm_id` {RERANK_MODEL} doesn't exist"),
        ({"llm_id": CHAT_MODEL, "llm_setting": {"model_type": "image2text"}}, f"`llm_id` {CHAT_MODEL} doesn't exist"),
        ({"llm_id": "fake-chat"}, "`llm_id` fake-chat doesn't exist"),
        ({"rerank_id": CHAT_MODEL}, f"`rerank_id` {CHAT_MODEL} doesn't exist"),
        ({"llm_id": 7}, "`llm_id` 7 doesn't exist"),
    ]
    for body, message in cases:
        refused(http.error("POST", "/chats", json={"name": unique_name, **body}), message)
    # model_type chat is the normal case
    chat = http.create_chat(unique_name, llm_id=CHAT_MODEL, llm_setting={"model_type": "chat"})
    refused(
        http.error("PATCH", f"/chats/{chat['id']}", json={"llm_id": "gpt-4@OpenAI"}),
        "`llm_id` gpt-4@OpenAI doesn't exist",
    )
    refused(http.error("PUT", f"/chats/{chat['id']}", json={"rerank_id": "x"}), "`rerank_id` x doesn't exist")
    assert http.data("PATCH", f"/chats/{chat['id']}", json={"rerank_id": RERANK_MODEL})["rerank_id"] == RERANK_MODEL


# ---- list ---------------------------------------------------------------------------------------


def _create_in_order(http: Api, names: list[str]) -> list[dict[str, Any]]:
    chats = []
    for name in names:
        chats.append(http.create_chat(name))
        time.sleep(0.01)  # distinct creation times, so the order is defined
    return chats


def test_list_returns_everything_unless_both_page_and_size_are_given(listing_http, unique_name):
    chats = _create_in_order(listing_http, [f"{unique_name} Alpha", f"{unique_name} beta", f"{unique_name} Gamma"])
    newest_first = [chat["id"] for chat in reversed(chats)]

    def listed(**params: Any) -> dict[str, Any]:
        data: dict[str, Any] = listing_http.data("GET", "/chats", params={"keywords": unique_name, **params})
        return data

    # no paging at all: the whole tenant
    everything = listing_http.data("GET", "/chats")
    assert everything["total"] == len(everything["chats"])
    assert set(newest_first) <= {item["id"] for item in everything["chats"]}

    data = listed()
    assert data["total"] == 3
    assert [item["id"] for item in data["chats"]] == newest_first
    for item in data["chats"]:
        assert set(item) == CHAT_LIST_KEYS
        assert item["nickname"]
        assert item["tenant_avatar"] is None

    assert [item["id"] for item in listed(page=2)["chats"]] == newest_first
    assert [item["id"] for item in listed(page_size=1)["chats"]] == newest_first

    page = listed(page=1, page_size=2)
    assert ([item["id"] for item in page["chats"]], page["total"]) == (newest_first[:2], 3)
    page = listed(page=2, page_size=2)
    assert ([item["id"] for item in page["chats"]], page["total"]) == (newest_first[2:], 3)
    page = listed(page=3, page_size=2)
    assert (page["chats"], page["total"]) == ([], 3)


def test_list_order(listing_http, unique_name):
    chats = _create_in_order(listing_http, [f"{unique_name} b", f"{unique_name} c", f"{unique_name} a"])
    ids = [chat["id"] for chat in chats]

    def listed(**params: Any) -> list[str]:
        data = listing_http.data("GET", "/chats", params={"keywords": unique_name, **params})
        return [item["id"] for item in data["chats"]]

    assert listed(desc="false") == ids
    assert listed(desc="False") == ids
    assert listed(desc="no") == ids[::-1]  # anything but "false" is descending
    assert listed(orderby="name", desc="false") == [ids[2], ids[0], ids[1]]
    assert listed(orderby="name") == [ids[1], ids[0], ids[2]]
    # an update moves the chat to the top of the update_time order
    listing_http.data("PATCH", f"/chats/{ids[0]}", json={"description": "touched"})
    assert listed(orderby="update_time")[0] == ids[0]


def test_list_filters(listing_http, unique_name):
    first, second, _third = _create_in_order(
        listing_http, [f"{unique_name} Fruit Bot", f"{unique_name} fruit salad", f"{unique_name} Vegetables"]
    )

    def listed(**params: Any) -> list[str]:
        data = listing_http.data("GET", "/chats", params=params)
        assert data["total"] == len(data["chats"])
        return [item["id"] for item in data["chats"]]

    assert listed(id=first["id"]) == [first["id"]]
    assert listed(name=f"{unique_name} Fruit Bot") == [first["id"]]
    assert listed(name=f"{unique_name} fruit bot".upper()) == [first["id"]]
    assert listed(name=f"{unique_name} Fruit") == []
    assert listed(keywords=f"{unique_name} FRUIT") == [second["id"], first["id"]]
    assert listed(keywords=f"{unique_name} fruit salad") == [second["id"]]
    assert listed(keywords=f"{unique_name} nothing") == []
    # id or name make keywords ignored
    assert listed(id=first["id"], keywords="Vegetables") == [first["id"]]
    assert listed(name=f"{unique_name} fruit salad", keywords="Vegetables") == [second["id"]]
    assert listed(id="0" * 32) == []
    assert listed(id=first["id"], name=f"{unique_name} fruit salad") == []
    tenant_id = first["tenant_id"]
    assert len(listed(owner_ids=tenant_id, keywords=unique_name)) == 3
    assert listed(owner_ids=[tenant_id, "someone"], keywords=f"{unique_name} fruit salad") == [second["id"]]
    assert listed(owner_ids="someone-else") == []
    page = listing_http.data(
        "GET", "/chats", params={"owner_ids": tenant_id, "keywords": unique_name, "page": 1, "page_size": 1}
    )
    assert (len(page["chats"]), page["total"]) == (1, 3)


def test_list_shows_only_the_callers_chats(http, other_http, unique_name):
    mine = http.create_chat(unique_name)
    assert other_http.data("GET", "/chats", params={"id": mine["id"]}) == {"chats": [], "total": 0}
    assert other_http.data("GET", "/chats", params={"owner_ids": mine["tenant_id"]}) == {"chats": [], "total": 0}


def test_list_parameter_errors(http):
    assert http.call("GET", "/chats", params={"page": 1, "page_size": 101}) == {
        "code": 100,
        "message": "ValueError('page_size must be less than or equal to 100')",
        "data": None,
    }
    assert http.call("GET", "/chats", params={"page": "abc"}) == {
        "code": 100,
        "message": "ValueError(\"invalid literal for int() with base 10: 'abc'\")",
        "data": None,
    }
    assert http.call("GET", "/chats", params={"orderby": "nonsense"}) == {
        "code": 102,
        "message": "orderby should be create_time or update_time",
    }


# ---- get ----------------------------------------------------------------------------------------


def test_get_returns_the_chat(http, corpus, unique_name):
    chat = http.create_chat(unique_name, dataset_ids=[corpus.id])
    assert http.data("GET", f"/chats/{chat['id']}") == chat


def test_other_tenants_and_unknown_chats_are_not_authorized(http, other_http, unique_name):
    chat = http.create_chat(unique_name)
    path = f"/chats/{chat['id']}"
    for method, options in [
        ("GET", {}),
        ("PATCH", {"json": {"name": "stolen"}}),
        ("PUT", {"json": {"name": "stolen"}}),
        ("DELETE", {}),
    ]:
        assert other_http.call(method, path, **options) == NO_AUTHORIZATION
        assert http.call(method, "/chats/" + "0" * 32, **options) == NO_AUTHORIZATION
    assert http.data("GET", path)["name"] == unique_name


# ---- update -------------------------------------------------------------------------------------


def test_patch_merges_prompt_config_and_llm_setting(http, unique_name):
    chat = http.create_chat(unique_name, llm_setting={"temperature": 0.1, "top_p": 0.3})
    time.sleep(0.01)
    updated = http.data(
        "PATCH",
        f"/chats/{chat['id']}",
        json={"prompt_config": {"prologue": "Welcome", "quote": False}, "llm_setting": {"temperature": 0.9}},
    )
    assert updated["prompt_config"] == {**chat["prompt_config"], "prologue": "Welcome", "quote": False}
    assert updated["llm_setting"] == {"temperature": 0.9, "top_p": 0.3}
    assert updated["update_time"] > chat["update_time"]
    assert updated["create_time"] == chat["create_time"]
    assert http.data("GET", f"/chats/{chat['id']}") == updated


def test_put_replaces_prompt_config_and_llm_setting(http, unique_name):
    chat = http.create_chat(unique_name, llm_setting={"temperature": 0.1, "top_p": 0.3})
    updated = http.data(
        "PUT",
        f"/chats/{chat['id']}",
        json={"prompt_config": {"prologue": "Welcome"}, "llm_setting": {"temperature": 0.9}},
    )
    assert updated["prompt_config"] == {"prologue": "Welcome"}
    assert updated["llm_setting"] == {"temperature": 0.9}
    # keys not sent are kept, on PUT as on PATCH
    assert updated["name"] == unique_name
    assert updated["description"] == "A helpful Assistant"


def test_update_changes_the_other_settings(http, corpus, unique_name):
    chat = http.create_chat(unique_name)
    for method in ("PATCH", "PUT"):
        updated = http.data(
            method,
            f"/chats/{chat['id']}",
            json={
                "dataset_ids": [corpus.id],
                "top_n": 2,
                "similarity_threshold": 0.5,
                "description": method,
                "icon": "icon",
                "llm_id": "",
                "bogus": 1,
                "status": "0",
                "tenant_id": "",
            },
        )
        assert (updated["dataset_ids"], updated["kb_names"]) == ([corpus.id], [corpus.name])
        assert (updated["top_n"], updated["similarity_threshold"]) == (2, 0.5)
        assert (updated["description"], updated["icon"], updated["llm_id"]) == (method, "icon", "")
        assert updated["status"] == "1"
        assert "bogus" not in updated
    cleared = http.data("PATCH", f"/chats/{chat['id']}", json={"dataset_ids": None})
    assert (cleared["dataset_ids"], cleared["kb_names"]) == ([], [])


def test_update_names(http, unique_name):
    chat = http.create_chat(unique_name)
    other = http.create_chat(f"{unique_name}-other")
    path = f"/chats/{chat['id']}"

    refused(http.error("PATCH", path, json={"name": ""}), "`name` cannot be empty.")
    refused(http.error("PATCH", path, json={"name": "  "}), "`name` cannot be empty.")
    refused(http.error("PUT", path, json={"name": ""}), "`name` is required.")
    refused(http.error("PUT", path, json={"name": None}), "`name` is required.")
    refused(http.error("PATCH", path, json={"name": 1}), "Chat name must be a string.")
    refused(http.error("PATCH", path, json={"name": "x" * 256}), "Chat name length is 256 which is larger than 255.")
    refused(http.error("PATCH", path, json={"name": other["name"].upper()}), "Duplicated chat name.")
    refused(http.error("PUT", path, json={"name": other["name"]}), "Duplicated chat name.")
    refused(http.error("PATCH", path, json={"tenant_id": "x"}), "`tenant_id` must not be provided.")

    # null on PATCH leaves the name; a change of case only is no conflict with itself
    assert http.data("PATCH", path, json={"name": None})["name"] == unique_name
    assert http.data("PATCH", path, json={"name": f" {unique_name.upper()} "})["name"] == unique_name.upper()
    assert http.data("PUT", path, json={"name": f"{unique_name}-renamed"})["name"] == f"{unique_name}-renamed"
    # the old name is free now
    assert http.create_chat(unique_name)["name"] == unique_name


def test_update_refusals_change_nothing(http, corpus, unique_name):
    chat = http.create_chat(unique_name, dataset_ids=[corpus.id])
    path = f"/chats/{chat['id']}"
    for body, message in [
        ({"dataset_ids": "x", "top_n": 1}, "`dataset_ids` should be a list."),
        ({"dataset_ids": ["0" * 32], "top_n": 1}, f"You don't own the dataset {'0' * 32}"),
        ({"prompt_config": [1], "top_n": 1}, "`prompt_config` should be an object."),
        ({"llm_setting": "hot", "top_n": 1}, "`llm_setting` should be an object."),
        ({"top_n": "x"}, "`top_n` should be an integer."),
    ]:
        refused(http.error("PATCH", path, json=body), message)
    assert http.data("GET", path) == chat


def test_empty_update_only_touches_update_time(http, unique_name):
    chat = http.create_chat(unique_name)
    updated = http.data("PATCH", f"/chats/{chat['id']}", json={})
    assert {key: value for key, value in updated.items() if not key.startswith("update_")} == {
        key: value for key, value in chat.items() if not key.startswith("update_")
    }


# ---- delete -------------------------------------------------------------------------------------


def test_delete_one(http, unique_name):
    chat = http.create_chat(unique_name)
    session = http.create_session(chat["id"])
    assert http.call("DELETE", f"/chats/{chat['id']}") == {"code": 0, "message": "success", "data": True}
    assert http.call("GET", f"/chats/{chat['id']}") == NO_AUTHORIZATION
    assert http.call("GET", f"/chats/{chat['id']}/sessions/{session['id']}") == NO_AUTHORIZATION
    assert http.call("DELETE", f"/chats/{chat['id']}") == NO_AUTHORIZATION


def test_bulk_delete(http, other_http, unique_name):
    one, two, three = (http.create_chat(f"{unique_name}-{n}") for n in range(3))
    foreign = other_http.create_chat(unique_name)

    assert http.data("DELETE", "/chats", json={"ids": [one["id"], two["id"]]}) == {"success_count": 2}

    body = http.call("DELETE", "/chats", json={"ids": [three["id"], foreign["id"], three["id"], one["id"]]})
    assert body == {
        "code": 0,
        "message": "Partially deleted 1 chats with 3 errors",
        "data": {
            "success_count": 1,
            "errors": [
                f"Chat({foreign['id']}) not found.",
                f"Chat({one['id']}) not found.",
                f"Duplicate chat ids: {three['id']}",
            ],
        },
    }
    refused(
        http.error("DELETE", "/chats", json={"ids": [one["id"], "nope"]}),
        f"Chat({one['id']}) not found.; Chat(nope) not found.",
    )
    # the other tenant's chat is untouched
    assert other_http.data("GET", f"/chats/{foreign['id']}")["id"] == foreign["id"]


def test_bulk_delete_with_nothing_named_does_nothing(http, unique_name):
    chat = http.create_chat(unique_name)
    total = http.data("GET", "/chats")["total"]
    for body in [None, {}, {"ids": None}, {"ids": []}, {"ids": None, "delete_all": False}, {"delete_all": "true"}]:
        options = {} if body is None else {"json": body}
        assert http.data("DELETE", "/chats", **options) == {}
    assert http.data("GET", f"/chats/{chat['id']}")["id"] == chat["id"]
    assert http.data("GET", "/chats")["total"] >= total


def test_delete_all(fresh_http, other_http, unique_name):
    foreign = other_http.create_chat(unique_name)
    for name in ("a", "b", "c"):
        fresh_http.create_chat(name)
    assert fresh_http.data("DELETE", "/chats", json={"ids": None, "delete_all": True}) == {"success_count": 3}
    assert fresh_http.data("GET", "/chats") == {"chats": [], "total": 0}
    assert fresh_http.data("DELETE", "/chats", json={"delete_all": True}) == {}
    assert other_http.data("GET", f"/chats/{foreign['id']}")["id"] == foreign["id"]


def test_legacy_single_chat_body(http, other_http, unique_name):
    chat = http.create_chat(unique_name)
    foreign = other_http.create_chat(unique_name)
    assert http.call("DELETE", "/chats", json={"chat_id": foreign["id"]}) == NO_AUTHORIZATION
    assert http.data("DELETE", "/chats", json={"chat_id": chat["id"]}) is True
    assert http.call("GET", f"/chats/{chat['id']}") == NO_AUTHORIZATION
