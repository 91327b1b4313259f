"""Chat assistant rules, tested on the service without HTTP (contract §8)."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import pytest

from ragloom.errors import AuthorizationError, DataError
from ragloom.providers.catalog import BUILTIN_MODELS, ModelCatalog, ModelEntry, ModelId, ModelKind
from ragloom.services.chats import (
    DEFAULT_PROMPT_CONFIG,
    ChatListing,
    ChatService,
    chat_name,
    column_values,
    split_duplicates,
    with_prompt_defaults,
)
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.tenants import Caller

CHAT_MODEL = "tiny@Ollama"


def catalog(*, default_chat_model: str = "") -> ModelCatalog:
    models = ModelCatalog((*BUILTIN_MODELS, ModelEntry(ModelId("tiny", "Ollama"), ModelKind.CHAT)))
    models.default_chat_model = default_chat_model
    return models


def parsed_dataset(services: Services, caller: Caller, name: str, model: str | None = None, chunks: int = 1) -> str:
    """A dataset whose one document counts ``chunks`` chunks (set directly: no parsing)."""
    dataset_id = services.datasets.create(caller, NewDataset(name=name, embedding_model=model)).record.id
    (document,) = services.documents.upload(
        caller, dataset_id, [IncomingFile(name="a.txt", stream=io.BytesIO(b"x"), size=1)]
    )
    with services.store.writing() as tx:
        tx.documents.set_fields(document.id, {"chunk_count": chunks})
    return dataset_id


# ---- pure rules ---------------------------------------------------------------------------------


def test_chat_name_rules() -> None:
    assert chat_name("  a  ", required=True) == "a"
    assert chat_name(None, required=False) is None
    assert chat_name("é" * 127 + "a", required=True) == "é" * 127 + "a"
    for value, required, message in [
        (None, True, "`name` is required."),
        ("  ", True, "`name` is required."),
        ("  ", False, "`name` cannot be empty."),
        (1, True, "Chat name must be a string."),
        ("é" * 128, True, "Chat name length is 256 which is larger than 255."),
    ]:
        with pytest.raises(DataError) as raised:
            chat_name(value, required=required)
        assert raised.value.message == message


def test_prompt_defaults() -> None:
    assert with_prompt_defaults({}, has_datasets=False) == DEFAULT_PROMPT_CONFIG
    filled = with_prompt_defaults({"system": "", "quote": False, "x": 1}, has_datasets=False)
    assert filled == {**DEFAULT_PROMPT_CONFIG, "quote": False, "x": 1}
    assert with_prompt_defaults({"parameters": []}, has_datasets=True)["parameters"] == [
        {"key": "knowledge", "optional": False}
    ]
    assert with_prompt_defaults({"parameters": []}, has_datasets=False)["parameters"] == []
    assert with_prompt_defaults({"system": "plain", "parameters": []}, has_datasets=True)["parameters"] == []
    # the defaults themselves are never shared with a chat
    config = with_prompt_defaults({}, has_datasets=False)
    config["parameters"][0]["optional"] = True
    assert DEFAULT_PROMPT_CONFIG["parameters"] == [{"key": "knowledge", "optional": False}]


def test_column_values_convert_and_drop() -> None:
    values = column_values(
        {
            "top_n": "3",
            "top_k": 10.0,
            "similarity_threshold": 1,
            "do_refer": False,
            "llm_setting": None,
            "description": None,
            "bogus": 1,
        }
    )
    assert values == {"top_n": 3, "top_k": 10, "similarity_threshold": 1.0, "do_refer": "0", "llm_setting": {}}
    for body, message in [
        ({"top_n": True}, "`top_n` should be an integer."),
        ({"similarity_threshold": "nan"}, "`similarity_threshold` should be a number."),
        ({"language": "x" * 33}, "`language` should be at most 32 characters."),
        ({"meta_data_filter": []}, "`meta_data_filter` should be an object."),
    ]:
        with pytest.raises(DataError) as raised:
            column_values(body)
        assert raised.value.message == message


def test_integer_columns_hold_64_bits() -> None:
    assert column_values({"top_n": 2**63 - 1, "top_k": -(2**63)}) == {"top_n": 2**63 - 1, "top_k": -(2**63)}
    for value in (2**63, -(2**63) - 1, 1e300, str(10**30)):
        with pytest.raises(DataError) as raised:
            column_values({"top_k": value})
        assert raised.value.message == f"`top_k` should be an integer between {-(2**63)} and {2**63 - 1}."


def test_split_duplicates_keeps_first_seen_order() -> None:
    assert split_duplicates(["b", "a", "b", 1, 1], "chat") == (
        ["b", "a", "1"],
        ["Duplicate chat ids: b", "Duplicate chat ids: 1"],
    )


# ---- models -------------------------------------------------------------------------------------


def test_the_model_defaults_to_the_tenants_then_the_servers(services: Services, caller: Caller) -> None:
    assert ChatService(services.store, catalog()).create(caller, {"name": "a"}).record.llm_id == ""
    chats = ChatService(services.store, catalog(default_chat_model=CHAT_MODEL))
    assert chats.create(caller, {"name": "b"}).record.llm_id == CHAT_MODEL
    assert chats.create(caller, {"name": "c", "llm_id": ""}).record.llm_id == ""
    with services.store.writing() as tx:
        tenant = tx.tenants.get(caller.tenant_id)
        assert tenant is not None
        tenant.chat_model = "tenant@Ollama"
    assert chats.create(caller, {"name": "d"}).record.llm_id == "tenant@Ollama"


def test_models_are_checked_against_the_catalog(services: Services, caller: Caller) -> None:
    chats = ChatService(services.store, catalog())
    assert chats.create(caller, {"name": "a", "llm_id": CHAT_MODEL}).record.llm_id == CHAT_MODEL
    for body, message in [
        ({"llm_id": "multilingual-e5-small@Builtin"}, "`llm_id` multilingual-e5-small@Builtin doesn't exist"),
        ({"llm_id": CHAT_MODEL, "llm_setting": {"model_type": "image2text"}}, f"`llm_id` {CHAT_MODEL} doesn't exist"),
        ({"rerank_id": CHAT_MODEL}, f"`rerank_id` {CHAT_MODEL} doesn't exist"),
    ]:
        with pytest.raises(DataError) as raised:
            chats.create(caller, {"name": "b", **body})
        assert raised.value.message == message
    assert chats.create(caller, {"name": "c", "rerank_id": "BAAI/bge-reranker-v2-m3@x"}).record.rerank_id


# ---- datasets -----------------------------------------------------------------------------------


def test_datasets_must_be_owned_parsed_and_share_a_model(
    services: Services, caller: Caller, other_caller: Caller
) -> None:
    parsed = parsed_dataset(services, caller, "parsed")
    unparsed = parsed_dataset(services, caller, "unparsed", chunks=0)
    other_model = parsed_dataset(services, caller, "use", model="universal-sentence-encoder-multilingual@Builtin")
    foreign = parsed_dataset(services, other_caller, "foreign")
    for ids, message in [
        ([parsed, foreign], f"You don't own the dataset {foreign}"),
        ([unparsed], f"The dataset {unparsed} doesn't own parsed file"),
        (
            [parsed, other_model],
            "Datasets use different embedding models: "
            "['multilingual-e5-small@Builtin', 'universal-sentence-encoder-multilingual@Builtin']",
        ),
        ([5], "You don't own the dataset 5"),
    ]:
        with pytest.raises(DataError) as raised:
            services.chats.create(caller, {"name": "x", "dataset_ids": ids})
        assert raised.value.message == message
    view = services.chats.create(caller, {"name": "x", "dataset_ids": [parsed, parsed, ""]})
    assert view.record.dataset_ids == [parsed]
    assert view.dataset_names == {parsed: "parsed"}

    services.datasets.delete(caller, [parsed], delete_all=False)
    assert services.chats.get(caller, view.record.id).dataset_names == {}


# ---- names, listing, deletion -----------------------------------------------------------------


def test_concurrent_creates_of_one_name_leave_one_chat(services: Services, caller: Caller) -> None:
    def create(_: int) -> str:
        try:
            return services.chats.create(caller, {"name": "Same"}).record.id
        except DataError as error:
            return error.message

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(create, range(16)))
    refusals = [result for result in results if result == "Duplicated chat name in creating chat."]
    assert len(refusals) == 15
    _views, total = services.chats.list_page(caller, ChatListing())
    assert total == 1


def test_update_merges_or_replaces(services: Services, caller: Caller) -> None:
    chat = services.chats.create(caller, {"name": "a", "llm_setting": {"temperature": 0.1, "top_p": 0.2}}).record
    merged = services.chats.update(caller, chat.id, {"llm_setting": {"top_p": 0.5}}, merge=True).record
    assert merged.llm_setting == {"temperature": 0.1, "top_p": 0.5}
    replaced = services.chats.update(caller, chat.id, {"llm_setting": {"top_p": 0.5}}, merge=False).record
    assert replaced.llm_setting == {"top_p": 0.5}


def test_chats_of_other_tenants_are_not_authorized(services: Services, caller: Caller, other_caller: Caller) -> None:
    chat = services.chats.create(caller, {"name": "a"}).record
    for attempt in (
        lambda: services.chats.get(other_caller, chat.id),
        lambda: services.chats.update(other_caller, chat.id, {"name": "b"}, merge=True),
        lambda: services.chats.delete(other_caller, chat.id),
    ):
        with pytest.raises(AuthorizationError) as raised:
            attempt()
        assert (raised.value.message, raised.value.data) == ("No authorization.", False)


def test_bulk_delete(services: Services, caller: Caller, other_caller: Caller) -> None:
    mine = [services.chats.create(caller, {"name": name}).record.id for name in ("a", "b")]
    foreign = services.chats.create(other_caller, {"name": "a"}).record.id
    assert services.chats.delete_many(caller, None, False) is None
    deletion = services.chats.delete_many(caller, [mine[0], foreign, mine[0]], False)
    assert deletion is not None
    assert (deletion.success_count, deletion.errors) == (
        1,
        [f"Chat({foreign}) not found.", f"Duplicate chat ids: {mine[0]}"],
    )
    with pytest.raises(DataError, match=r"^Chat\(x\) not found\.$"):
        services.chats.delete_many(caller, ["x"], False)
    deletion = services.chats.delete_many(caller, None, True)
    assert deletion is not None
    assert deletion.success_count == 1
    assert services.chats.delete_many(caller, None, True) is None
    assert services.chats.get(other_caller, foreign).record.id == foreign
