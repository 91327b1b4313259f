"""Every dataset call of the unmodified ragflow-sdk against a live server: 0.26.0, and 0.27.3 in the second pass
of scripts/test (contract §2.1, §3, §13.1).

Listing order and ``delete_all`` need a tenant no other test writes to, so those tests make
their own tenant with the ``ragloom apikey create --new-tenant`` CLI.
"""

from __future__ import annotations

import copy
import re
import time
import uuid

import pytest
from ragflow_sdk import DataSet, RAGFlow

from tests.e2e.conftest import new_tenant_key
from tests.e2e.sdk_version import needs_sdk_027

DEFAULT_EMBEDDING_MODEL = "multilingual-e5-small@Builtin"
OTHER_BUILTIN_EMBEDDING_MODEL = "universal-sentence-encoder-multilingual@Builtin"
RAPTOR_PROMPT = (
    "Please summarize the following paragraphs. Be careful with the numbers, do not make things up. "
    "Paragraphs as following:\n      {cluster_content}\nThe above is the content you need to summarize."
)
# Contract §2.1: the naive default parser_config (plus ``llm_id``, the tenant's default chat model).
NAIVE_DEFAULT_CONFIG = {
    "layout_recognize": "DeepDOC",
    "chunk_token_num": 512,
    "delimiter": "\n",
    "auto_keywords": 0,
    "auto_questions": 0,
    "html4excel": False,
    "image_context_size": 0,
    "table_context_size": 0,
    "topn_tags": 3,
    "raptor": {
        "use_raptor": True,
        "prompt": RAPTOR_PROMPT,
        "max_token": 256,
        "threshold": 0.1,
        "max_cluster": 64,
        "random_seed": 0,
    },
    "graphrag": {
        "use_graphrag": True,
        "entity_types": ["organization", "person", "geo", "event", "category"],
        "method": "light",
        "batch_chunk_token_size": 4096,
        "retry_attempts": 2,
        "retry_backoff_seconds": 2.0,
        "retry_backoff_max_seconds": 60.0,
        "build_subgraph_timeout_per_chunk_seconds": 300,
        "build_subgraph_min_timeout_seconds": 600,
        "merge_timeout_seconds": 180,
        "resolution_timeout_seconds": 1800,
        "community_timeout_seconds": 1800,
        "lock_acquire_timeout_seconds": 600,
    },
    "parent_child": {"use_parent_child": False, "children_delimiter": "\n"},
    "children_delimiter": "",
}
NO_RAPTOR_NO_GRAPHRAG_CONFIG = {
    "raptor": {"use_raptor": False},
    "graphrag": {"use_graphrag": False},
    "image_context_size": 0,
    "table_context_size": 0,
}
CONTEXT_ONLY_CONFIG = {"image_context_size": 0, "table_context_size": 0}
METHOD_DEFAULTS = {
    "naive": NAIVE_DEFAULT_CONFIG,
    **dict.fromkeys(("qa", "manual", "paper", "book", "laws", "presentation"), NO_RAPTOR_NO_GRAPHRAG_CONFIG),
    **dict.fromkeys(("tag", "resume", "table", "one", "email", "picture"), CONTEXT_ONLY_CONFIG),
}
PNG_AVATAR = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def raises_exactly(message: str) -> pytest.RaisesExc[Exception]:
    """Expect the SDK's ``Exception`` whose text is exactly ``message``."""
    return pytest.raises(Exception, match=f"^{re.escape(message)}\\Z")


def config_of(dataset: DataSet) -> dict:
    """The dataset's parser_config as a plain dict (the SDK keeps it as a nested object)."""
    return dataset.parser_config.to_json()


def without_llm_id(config: dict) -> dict:
    trimmed = dict(config)
    trimmed.pop("llm_id", None)
    return trimmed


def is_uuid1_hex(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{32}", value)) and uuid.UUID(hex=value).version == 1


def tenant_id_of(rag: RAGFlow, name: str) -> str:
    """The caller's tenant id, read from a dataset it owns (and deletes again)."""
    probe = rag.create_dataset(name=f"{name}-probe")
    rag.delete_datasets(ids=[probe.id])
    return probe.tenant_id


@pytest.fixture
def fresh_rag(live_server, server_env, unique_name) -> RAGFlow:
    """An SDK client for a tenant created just for this test, so it starts with no datasets."""
    return RAGFlow(new_tenant_key(live_server, server_env, unique_name), live_server.base_url)


# --- create_dataset ------------------------------------------------------------------------------------------


def test_create_dataset_returns_the_defaults(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    try:
        assert dataset.name == unique_name
        assert is_uuid1_hex(dataset.id)
        assert re.fullmatch(r"[0-9a-f]{32}", dataset.tenant_id)
        assert dataset.embedding_model == DEFAULT_EMBEDDING_MODEL
        assert dataset.chunk_method == "naive"
        assert dataset.permission == "me"
        assert dataset.avatar is None
        assert dataset.description is None
        assert (dataset.document_count, dataset.chunk_count, dataset.pagerank) == (0, 0, 0)
        config = config_of(dataset)
        assert "llm_id" in config
        assert without_llm_id(config) == NAIVE_DEFAULT_CONFIG
    finally:
        rag.delete_datasets(ids=[dataset.id])


@pytest.mark.parametrize("method", sorted(METHOD_DEFAULTS))
def test_create_dataset_fills_each_chunk_methods_default_config(rag, unique_name, method):
    dataset = rag.create_dataset(name=unique_name, chunk_method=method)
    try:
        assert dataset.chunk_method == method
        config = config_of(dataset)
        assert "llm_id" in config
        assert without_llm_id(config) == METHOD_DEFAULTS[method]
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_create_dataset_with_a_parser_config_object(rag, unique_name):
    parser_config = DataSet.ParserConfig(rag, {"chunk_token_num": 1024, "delimiter": "\n!?;", "auto_keywords": 5})
    dataset = rag.create_dataset(name=unique_name, parser_config=parser_config)
    try:
        config = config_of(dataset)
        assert config["chunk_token_num"] == 1024
        assert config["delimiter"] == "\n!?;"
        assert config["auto_keywords"] == 5
        # the full validated ParserConfig, defaults filled in, merged over the naive defaults
        assert config["topn_tags"] == 1
        assert config["filename_embd_weight"] == 0.1
        assert config["tag_kb_ids"] == []
        assert config["raptor"]["use_raptor"] is False
        assert config["raptor"]["max_token"] == 256
        assert config["graphrag"]["use_graphrag"] is False
        assert config["children_delimiter"] == ""
        assert "llm_id" in config
        # what the server stored is what it reads back
        assert config_of(rag.list_datasets(id=dataset.id)[0]) == config
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_create_dataset_with_every_field(rag, unique_name):
    dataset = rag.create_dataset(
        name=unique_name,
        avatar=PNG_AVATAR,
        description="about cats",
        embedding_model=OTHER_BUILTIN_EMBEDDING_MODEL,
        permission="team",
        chunk_method="qa",
    )
    try:
        assert dataset.avatar == PNG_AVATAR
        assert dataset.description == "about cats"
        assert dataset.embedding_model == OTHER_BUILTIN_EMBEDDING_MODEL
        assert dataset.permission == "team"
        assert dataset.chunk_method == "qa"
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_create_dataset_trims_the_name(rag, unique_name):
    dataset = rag.create_dataset(name=f"  {unique_name}\t ")
    try:
        assert dataset.name == unique_name
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_duplicate_names_are_renamed_case_insensitively(rag, unique_name):
    first = rag.create_dataset(name=unique_name)
    second = rag.create_dataset(name=unique_name)
    third = rag.create_dataset(name=unique_name.upper())
    try:
        assert first.name == unique_name
        assert second.name == f"{unique_name}(1)"
        assert third.name == f"{unique_name.upper()}(2)"
        assert len({first.id, second.id, third.id}) == 3
    finally:
        rag.delete_datasets(ids=[first.id, second.id, third.id])


def test_duplicate_name_with_an_extension_gets_the_suffix_before_it(rag, unique_name):
    name = f"{unique_name}.kb"
    first = rag.create_dataset(name=name)
    second = rag.create_dataset(name=name)
    try:
        assert second.name == f"{unique_name}(1).kb"
    finally:
        rag.delete_datasets(ids=[first.id, second.id])


def test_create_with_an_unknown_embedding_model_fails(rag, unique_name):
    with pytest.raises(Exception, match=r"^Unsupported model: <x@y>$"):
        rag.create_dataset(name=unique_name, embedding_model="x@y")
    with pytest.raises(Exception, match="lacks permission"):
        rag.list_datasets(name=unique_name)


def test_create_with_an_unconfigured_remote_model_is_unauthorized(rag, unique_name):
    with pytest.raises(Exception, match=r"^Unauthorized model: <text-embedding-3-small@OpenAI>$"):
        rag.create_dataset(name=unique_name, embedding_model="text-embedding-3-small@OpenAI")


def test_create_with_a_bad_chunk_method_fails(rag, unique_name):
    with pytest.raises(Exception, match=r"^Field: <chunk_method> - Message: <Input should be 'naive', "):
        rag.create_dataset(name=unique_name, chunk_method="knowledge_graph")


# --- list_datasets / get_dataset -----------------------------------------------------------------------------


def created_in_order(rag: RAGFlow, name: str, count: int = 3) -> list[DataSet]:
    """``count`` datasets named ``<name>-<index>``, each created a few milliseconds after the one before."""
    created = []
    for index in range(count):
        created.append(rag.create_dataset(name=f"{name}-{index}"))
        time.sleep(0.005)  # distinct create_time milliseconds
    return created


def test_list_datasets_pages_and_orders(fresh_rag, unique_name):
    first, second, third = created_in_order(fresh_rag, unique_name)
    newest_first = [third.id, second.id, first.id]

    assert [d.id for d in fresh_rag.list_datasets()] == newest_first
    assert [d.id for d in fresh_rag.list_datasets(desc=False)] == newest_first[::-1]
    assert [d.id for d in fresh_rag.list_datasets(page=1, page_size=2)] == newest_first[:2]
    assert [d.id for d in fresh_rag.list_datasets(page=2, page_size=2)] == newest_first[2:]
    assert fresh_rag.list_datasets(page=3, page_size=2) == []

    first.update({"description": "touched last"})
    assert fresh_rag.list_datasets(orderby="update_time")[0].id == first.id
    assert fresh_rag.list_datasets(orderby="create_time")[0].id == third.id


def test_list_datasets_with_an_empty_name_lists_every_dataset(fresh_rag, unique_name):
    created = created_in_order(fresh_rag, unique_name)
    assert sorted(d.id for d in fresh_rag.list_datasets(name="")) == sorted(d.id for d in created)


def test_list_datasets_rejects_a_page_size_over_100(rag):
    with pytest.raises(Exception, match=r"page_size must be less than or equal to 100"):
        rag.list_datasets(page_size=101)


def test_list_datasets_rejects_an_unknown_orderby(rag):
    with pytest.raises(Exception, match=r"Input should be 'create_time' or 'update_time'"):
        rag.list_datasets(orderby="name")


def test_list_and_get_dataset_by_id_and_name(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name, description="findable")
    other = rag.create_dataset(name=f"{unique_name}-other")
    try:
        by_id = rag.list_datasets(id=dataset.id)
        assert [d.id for d in by_id] == [dataset.id]
        assert by_id[0].description == "findable"
        assert [d.id for d in rag.list_datasets(name=unique_name)] == [dataset.id]
        assert [d.id for d in rag.list_datasets(name=unique_name.upper())] == [dataset.id]
        assert [d.id for d in rag.list_datasets(id=dataset.id, name=unique_name)] == [dataset.id]
        found = rag.get_dataset(name=unique_name)
        assert (found.id, found.name, found.embedding_model) == (dataset.id, unique_name, DEFAULT_EMBEDDING_MODEL)
    finally:
        rag.delete_datasets(ids=[dataset.id, other.id])


def test_get_dataset_by_unknown_name_raises_lacks_permission(rag, unique_name):
    tenant = tenant_id_of(rag, unique_name)
    with raises_exactly(f"User '{tenant}' lacks permission for dataset '{unique_name}-missing'"):
        rag.get_dataset(name=f"{unique_name}-missing")


def test_list_datasets_by_unknown_id_raises_lacks_permission(rag, unique_name):
    tenant = tenant_id_of(rag, unique_name)
    missing = uuid.uuid1().hex
    with raises_exactly(f"User '{tenant}' lacks permission for dataset '{missing}'"):
        rag.list_datasets(id=missing)


@needs_sdk_027
def test_list_datasets_by_ids(rag, unique_name):
    created = created_in_order(rag, unique_name)
    first, second, third = created
    try:
        assert [d.id for d in rag.list_datasets(ids=[third.id, first.id], desc=False)] == [first.id, third.id]
        everything = [first.id, second.id, third.id]
        assert [d.id for d in rag.list_datasets(ids=everything, page=2, page_size=2, desc=False)] == [third.id]
        (only,) = rag.list_datasets(ids=[second.id])
        assert (only.id, only.name) == (second.id, f"{unique_name}-1")
    finally:
        rag.delete_datasets(ids=[dataset.id for dataset in created])


@needs_sdk_027
def test_list_datasets_by_ids_refuses_foreign_repeated_and_too_many_ids(rag, other_rag, unique_name):
    mine = rag.create_dataset(name=unique_name)
    theirs = other_rag.create_dataset(name=unique_name)
    missing = uuid.uuid1().hex
    try:
        with raises_exactly(f"User '{mine.tenant_id}' lacks permission for datasets: '{theirs.id}, {missing}'"):
            rag.list_datasets(ids=[mine.id, theirs.id, missing])
        with raises_exactly(f"Field: <ids> - Message: <Duplicate ids: '{mine.id}'> - Value: <{[mine.id, mine.id]}>"):
            rag.list_datasets(ids=[mine.id, mine.id])
        with pytest.raises(Exception, match=r"^Field: <ids> - Message: <List should have at most 100 items"):
            rag.list_datasets(ids=[uuid.uuid1().hex for _ in range(101)])
        with pytest.raises(Exception, match=r"^Field: <ids> - Message: <Invalid UUID1 format> - Value: <\['nope'\]>$"):
            rag.list_datasets(ids=["nope"])
    finally:
        rag.delete_datasets(ids=[mine.id])
        other_rag.delete_datasets(ids=[theirs.id])


# --- DataSet.update ------------------------------------------------------------------------------------------


def test_update_name_description_and_permission(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    try:
        returned = dataset.update(
            {"name": f"{unique_name}-renamed", "description": "new words", "permission": "team", "avatar": PNG_AVATAR}
        )
        assert returned is dataset
        assert dataset.name == f"{unique_name}-renamed"
        assert (dataset.description, dataset.permission, dataset.avatar) == ("new words", "team", PNG_AVATAR)
        stored = rag.get_dataset(name=f"{unique_name}-renamed")
        assert stored.id == dataset.id
        assert (stored.description, stored.permission, stored.avatar) == ("new words", "team", PNG_AVATAR)
        assert rag.list_datasets(name=f"{unique_name}-renamed")[0].chunk_method == "naive"
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_update_chunk_method_replaces_parser_config_with_that_methods_defaults(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name, parser_config=DataSet.ParserConfig(rag, {"chunk_token_num": 999}))
    try:
        dataset.update({"chunk_method": "qa"})
        assert dataset.chunk_method == "qa"
        assert without_llm_id(config_of(dataset)) == NO_RAPTOR_NO_GRAPHRAG_CONFIG
        stored = rag.list_datasets(id=dataset.id)[0]
        assert stored.chunk_method == "qa"
        assert without_llm_id(config_of(stored)) == NO_RAPTOR_NO_GRAPHRAG_CONFIG

        dataset.update({"chunk_method": "naive"})
        assert without_llm_id(config_of(dataset)) == NAIVE_DEFAULT_CONFIG
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_update_chunk_method_with_a_parser_config_keeps_the_sent_config(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    try:
        dataset.update({"chunk_method": "book", "parser_config": {"chunk_token_num": 256}})
        assert dataset.chunk_method == "book"
        assert config_of(dataset)["chunk_token_num"] == 256
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_update_parser_config_deep_merges(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    try:
        dataset.update(
            {
                "parser_config": {
                    "chunk_token_num": 128,
                    "raptor": {"max_token": 512},
                    "graphrag": {"entity_types": ["planet"]},
                }
            }
        )
        expected = copy.deepcopy(NAIVE_DEFAULT_CONFIG)
        expected["chunk_token_num"] = 128
        expected["raptor"]["max_token"] = 512
        expected["graphrag"]["entity_types"] = ["planet"]
        assert without_llm_id(config_of(dataset)) == expected
        assert without_llm_id(config_of(rag.list_datasets(id=dataset.id)[0])) == expected
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_update_pagerank(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    try:
        dataset.update({"pagerank": 42})
        assert dataset.pagerank == 42
        assert rag.list_datasets(id=dataset.id)[0].pagerank == 42
        with pytest.raises(
            Exception, match=r"^Field: <pagerank> - Message: <Input should be less than or equal to 100>"
        ):
            dataset.update({"pagerank": 101})
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_update_embedding_model(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    try:
        dataset.update({"embedding_model": OTHER_BUILTIN_EMBEDDING_MODEL})
        assert dataset.embedding_model == OTHER_BUILTIN_EMBEDDING_MODEL
        assert rag.list_datasets(id=dataset.id)[0].embedding_model == OTHER_BUILTIN_EMBEDDING_MODEL
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_update_to_an_unknown_or_unauthorized_embedding_model_fails(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    try:
        with pytest.raises(Exception, match=r"^Unsupported model: <x@y>$"):
            dataset.update({"embedding_model": "x@y"})
        with pytest.raises(Exception, match=r"^Unauthorized model: <text-embedding-3-small@OpenAI>$"):
            dataset.update({"embedding_model": "text-embedding-3-small@OpenAI"})
        assert rag.list_datasets(id=dataset.id)[0].embedding_model == DEFAULT_EMBEDDING_MODEL
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_rename_to_an_existing_name_fails_without_renaming(rag, unique_name):
    taken = rag.create_dataset(name=f"{unique_name}-taken")
    dataset = rag.create_dataset(name=unique_name)
    try:
        with raises_exactly(f"Dataset name '{unique_name}-taken' already exists"):
            dataset.update({"name": f"{unique_name}-taken"})

        with raises_exactly(f"Dataset name '{unique_name}-TAKEN' already exists"):
            dataset.update({"name": f"{unique_name}-TAKEN"})

        assert rag.list_datasets(id=dataset.id)[0].name == unique_name
    finally:
        rag.delete_datasets(ids=[taken.id, dataset.id])


def test_rename_to_a_different_case_of_its_own_name(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    try:
        dataset.update({"name": unique_name.upper()})
        assert dataset.name == unique_name.upper()
    finally:
        rag.delete_datasets(ids=[dataset.id])


# --- delete_datasets -----------------------------------------------------------------------------------------


def test_delete_datasets_by_ids(rag, unique_name):
    doomed = [rag.create_dataset(name=f"{unique_name}-{index}") for index in range(2)]
    survivor = rag.create_dataset(name=f"{unique_name}-keep")
    try:
        rag.delete_datasets(ids=[d.id for d in doomed])
        for dataset in doomed:
            with pytest.raises(Exception, match="lacks permission"):
                rag.list_datasets(id=dataset.id)
        assert [d.id for d in rag.list_datasets(id=survivor.id)] == [survivor.id]
    finally:
        rag.delete_datasets(ids=[survivor.id])


def test_delete_datasets_with_no_ids_deletes_nothing(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    try:
        rag.delete_datasets(ids=[])
        rag.delete_datasets()
        assert [d.id for d in rag.list_datasets(id=dataset.id)] == [dataset.id]
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_delete_datasets_of_an_unknown_id_fails(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    missing = uuid.uuid1().hex
    try:
        with raises_exactly(f"User '{dataset.tenant_id}' lacks permission for datasets: '{missing}'"):
            rag.delete_datasets(ids=[dataset.id, missing])
        assert [d.id for d in rag.list_datasets(id=dataset.id)] == [dataset.id]
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_delete_all_deletes_only_the_callers_datasets(fresh_rag, other_rag, unique_name):
    mine = [fresh_rag.create_dataset(name=f"{unique_name}-{index}") for index in range(3)]
    theirs = other_rag.create_dataset(name=unique_name)
    try:
        assert len(fresh_rag.list_datasets()) == len(mine)
        fresh_rag.delete_datasets(delete_all=True)
        assert fresh_rag.list_datasets() == []
        assert [d.id for d in other_rag.list_datasets(id=theirs.id)] == [theirs.id]
    finally:
        other_rag.delete_datasets(ids=[theirs.id])


# --- auto-metadata -------------------------------------------------------------------------------------------


def test_auto_metadata_starts_empty_and_round_trips(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    try:
        assert dataset.get_auto_metadata() == {"metadata": [], "built_in_metadata": []}

        stored = dataset.update_auto_metadata(
            metadata=[
                {"key": "author", "type": "string"},
                {"key": "  tags  ", "type": "list", "description": "topics", "enum": ["a", "b"]},
            ],
            built_in_metadata=[{"key": "published", "type": "time"}],
        )
        expected = {
            "metadata": [
                {"key": "author", "type": "string", "description": None, "enum": None},
                {"key": "tags", "type": "list", "description": "topics", "enum": ["a", "b"]},
            ],
            "built_in_metadata": [{"key": "published", "type": "time", "description": None, "enum": None}],
        }
        assert stored == expected
        assert dataset.get_auto_metadata() == expected

        assert dataset.update_auto_metadata(metadata=[{"key": "year", "type": "number"}]) == {
            "metadata": [{"key": "year", "type": "number", "description": None, "enum": None}],
            "built_in_metadata": [],
        }
        assert dataset.get_auto_metadata()["built_in_metadata"] == []
    finally:
        rag.delete_datasets(ids=[dataset.id])


def test_update_auto_metadata_rejects_a_bad_type(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    try:
        message = (
            "Field: <metadata.0.type> - Message: <Input should be 'string', 'list', 'time' or 'number'> - Value: <text>"
        )
        with raises_exactly(message):
            dataset.update_auto_metadata(metadata=[{"key": "author", "type": "text"}])
        assert dataset.get_auto_metadata() == {"metadata": [], "built_in_metadata": []}
    finally:
        rag.delete_datasets(ids=[dataset.id])
