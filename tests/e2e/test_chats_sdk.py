"""Every chat and chat-session call of the unmodified ragflow-sdk against a live server: 0.26.0, and 0.27.3 in
the second pass of scripts/test (contract §8, §9.1–§9.5, §14)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests
from ragflow_sdk import RAGFlow
from ragflow_sdk.modules.chat import Chat
from ragflow_sdk.modules.session import Session

from tests.e2e.chats_support import EMPTY_RESPONSE, FAST_MODEL, UNANSWERABLE, empty_response_chat, parsed_dataset
from tests.e2e.conftest import LiveServer, new_tenant_key
from tests.e2e.sdk_version import SDK_027


def raises_exactly(message: str) -> pytest.RaisesExc[Exception]:
    """Expect the SDK's ``Exception`` whose text is exactly ``message``."""
    return pytest.raises(Exception, match=f"^{re.escape(message)}\\Z")


@pytest.fixture(scope="module")
def module_rag(live_server: LiveServer) -> RAGFlow:
    return RAGFlow(live_server.key, live_server.base_url)


@pytest.fixture(scope="module")
def corpus(module_rag: RAGFlow) -> Any:
    return parsed_dataset(module_rag, f"chats-sdk-corpus-{time.time_ns()}")


@pytest.fixture
def fresh_rag(live_server: LiveServer, server_env: dict[str, str], unique_name: str) -> RAGFlow:
    """An SDK client for a tenant created just for this test, so it starts with no chats."""
    return RAGFlow(new_tenant_key(live_server, server_env, unique_name), live_server.base_url)


# ---- chats --------------------------------------------------------------------------------------


def test_create_chat_with_a_dataset(rag, corpus, unique_name):
    chat = rag.create_chat(unique_name, dataset_ids=[corpus.id], llm_setting={"temperature": 0.3})

    assert isinstance(chat, Chat)
    assert chat.name == unique_name
    assert chat.dataset_ids == [corpus.id]
    assert chat.kb_names == [corpus.name]
    assert chat.llm_setting.to_json() == {"temperature": 0.3}
    assert chat.similarity_threshold == 0.1
    assert (chat.vector_similarity_weight, chat.top_n, chat.top_k, chat.rerank_id) == (0.3, 6, 1024, "")
    config = chat.prompt_config.to_json()
    assert config["parameters"] == [{"key": "knowledge", "optional": False}]
    assert config["prologue"] == "Hi! I'm your assistant. What can I do for you?"
    assert isinstance(chat.llm_id, str)


def test_a_chat_with_only_a_name_records_ragflows_default_prompt_and_the_tenants_model(rag, api, auth, unique_name):
    chat = rag.create_chat(unique_name)
    tenant_model = requests.get(f"{api}/tenant/models", headers=auth, timeout=10).json()["data"]["llm_id"]
    (listed,) = rag.list_chats(id=chat.id)
    for seen in (chat, listed, rag.get_chat(chat.id)):
        assert seen.llm_id == tenant_model
        system = seen.prompt_config.to_json()["system"]
        assert system.startswith("You are an intelligent assistant. Please summarize the content of the dataset")
        assert system.endswith("Here is the knowledge base:\n      {knowledge}\n      The above is the knowledge base.")


def test_chat_and_session_lists_refuse_an_unknown_orderby(rag, unique_name):
    chat = rag.create_chat(unique_name)
    chat.create_session()
    with raises_exactly("orderby should be create_time or update_time"):
        rag.list_chats(orderby="unknown")
    with raises_exactly("orderby should be create_time or update_time"):
        chat.list_sessions(orderby="unknown")
    assert [found.id for found in rag.list_chats(id=chat.id, orderby="name")] == [chat.id]
    assert len(chat.list_sessions(orderby="name")) == 1


def test_create_chat_passes_extra_settings(rag, unique_name):
    chat = rag.create_chat(
        unique_name, icon="icon", prompt_config={"prologue": "Hey", "quote": False}, top_n=2, description="d"
    )
    assert (chat.icon, chat.top_n, chat.description) == ("icon", 2, "d")
    config = chat.prompt_config.to_json()
    assert (config["prologue"], config["quote"], config["tts"]) == ("Hey", False, False)


def test_create_chat_errors(rag, other_rag, corpus, unique_name):
    with raises_exactly("`name` is required."):
        rag.create_chat("  ")
    with raises_exactly("Chat name length is 256 which is larger than 255."):
        rag.create_chat("x" * 256)
    with raises_exactly("`llm_id` gpt-9@OpenAI doesn't exist"):
        rag.create_chat(unique_name, llm_id="gpt-9@OpenAI")
    with raises_exactly(f"You don't own the dataset {corpus.id}"):
        other_rag.create_chat(unique_name, dataset_ids=[corpus.id])
    empty = rag.create_dataset(name=f"{unique_name}-empty", embedding_model=FAST_MODEL)
    with raises_exactly(f"The dataset {empty.id} doesn't own parsed file"):
        rag.create_chat(unique_name, dataset_ids=[empty.id])
    rag.create_chat(unique_name)
    with raises_exactly("Duplicated chat name in creating chat."):
        rag.create_chat(unique_name.swapcase())


def test_list_chats(rag, unique_name):
    created = []
    for name in ("bot Apple", "bot Banana", "cherry"):
        created.append(rag.create_chat(f"{unique_name} {name}"))
        time.sleep(0.01)
    ids = [chat.id for chat in created]

    def listed(**options: Any) -> list[str]:
        return [chat.id for chat in rag.list_chats(**{"keywords": unique_name, **options})]

    assert listed() == ids[::-1]
    assert listed(desc=False) == ids
    assert listed(page=1, page_size=2) == ids[::-1][:2]
    assert listed(page=2, page_size=2) == ids[:1]
    assert listed(keywords=f"{unique_name} BOT", orderby="name", desc=False) == ids[:2]
    assert listed(name=f"{unique_name} bot apple") == [ids[0]]
    assert listed(id=ids[1]) == [ids[1]]
    assert rag.list_chats(name=f"{unique_name} nobody") == []
    tenant_id = created[0].tenant_id
    assert listed(owner_ids=[tenant_id]) == ids[::-1]
    assert rag.list_chats(owner_ids="someone") == []
    (listed_chat,) = rag.list_chats(id=ids[2])
    assert isinstance(listed_chat.nickname, str)  # the owner's name (this tenant was created without one)
    assert listed_chat.tenant_avatar is None
    with raises_exactly("ValueError('page_size must be less than or equal to 100')"):
        rag.list_chats(page_size=101)


def test_get_chat(rag, other_rag, corpus, unique_name):
    chat = rag.create_chat(unique_name, dataset_ids=[corpus.id])
    fetched = rag.get_chat(chat.id)
    assert fetched.to_json() == chat.to_json()
    with raises_exactly("No authorization."):
        other_rag.get_chat(chat.id)
    with raises_exactly("No authorization."):
        rag.get_chat("0" * 32)


def test_chat_update_patches(rag, other_rag, corpus, unique_name):
    chat = rag.create_chat(unique_name, llm_setting={"temperature": 0.1, "top_p": 0.2})
    chat.update(
        {
            "name": f"{unique_name}-renamed",
            "dataset_ids": [corpus.id],
            "prompt_config": {"prologue": "Welcome back"},
            "llm_setting": {"temperature": 0.7},
        }
    )
    fetched = rag.get_chat(chat.id)
    assert fetched.name == f"{unique_name}-renamed"
    assert fetched.dataset_ids == [corpus.id]
    assert fetched.llm_setting.to_json() == {"temperature": 0.7, "top_p": 0.2}
    config = fetched.prompt_config.to_json()
    assert config["prologue"] == "Welcome back"
    assert config["parameters"] == [{"key": "knowledge", "optional": False}]

    with raises_exactly("`name` cannot be empty."):
        chat.update({"name": ""})
    other = rag.create_chat(f"{unique_name}-other")
    with raises_exactly("Duplicated chat name."):
        chat.update({"name": other.name.upper()})
    with raises_exactly("No authorization."):
        Chat(other_rag, {"id": chat.id}).update({"name": "stolen"})


def test_the_walkthroughs_older_update_shape_changes_what_it_names(rag, unique_name):
    # the user walkthrough's call, in RAGFlow's older shape: llm and prompt objects
    chat = rag.create_chat(unique_name, llm_setting={"top_p": 0.2})
    chat.update({"name": f"{unique_name}-Stefan", "llm": {"temperature": 0.8}, "prompt": {"top_n": 8}})
    fetched = rag.get_chat(chat.id)
    assert fetched.name == f"{unique_name}-Stefan"
    assert fetched.llm_setting.to_json() == {"top_p": 0.2, "temperature": 0.8}
    assert fetched.top_n == 8
    with pytest.raises(Exception, match="`prompt` does not take topn"):
        chat.update({"prompt": {"topn": 8}})


def test_delete_chats(rag, other_rag, unique_name):
    one, two = rag.create_chat(f"{unique_name}-1"), rag.create_chat(f"{unique_name}-2")
    foreign = other_rag.create_chat(unique_name)

    rag.delete_chats(ids=[one.id])
    assert rag.list_chats(id=one.id) == []
    # partly wrong ids still delete the right ones (code 0)
    rag.delete_chats(ids=[two.id, foreign.id])
    assert rag.list_chats(id=two.id) == []
    assert other_rag.get_chat(foreign.id).id == foreign.id
    with raises_exactly(f"Chat({foreign.id}) not found."):
        rag.delete_chats(ids=[foreign.id])
    # nothing named: nothing done
    rag.delete_chats()


@pytest.mark.sdk
def test_delete_all_chats(fresh_rag):
    for name in ("a", "b"):
        fresh_rag.create_chat(name)
    fresh_rag.delete_chats(delete_all=True)
    assert fresh_rag.list_chats() == []
    fresh_rag.delete_chats(delete_all=True)


# ---- sessions -----------------------------------------------------------------------------------


def test_sessions_through_the_sdk(rag, unique_name):
    chat = rag.create_chat(unique_name, prompt_config={"prologue": "Ask me about fruit."})
    first = chat.create_session()
    time.sleep(0.01)
    second = chat.create_session(name="Second")

    assert isinstance(first, Session)
    assert first.name == "New session"
    assert first.chat_id == chat.id
    assert first.messages == [{"role": "assistant", "content": "Ask me about fruit."}]
    assert first.reference == []
    assert first.user_id == chat.tenant_id
    assert second.name == "Second"

    assert [session.id for session in chat.list_sessions()] == [second.id, first.id]
    assert [session.id for session in chat.list_sessions(desc=False)] == [first.id, second.id]
    assert [session.id for session in chat.list_sessions(page=2, page_size=1)] == [first.id]
    assert [session.id for session in chat.list_sessions(name="Second")] == [second.id]
    assert [session.id for session in chat.list_sessions(id=first.id)] == [first.id]
    assert len(chat.list_sessions(user_id=chat.tenant_id)) == 2
    assert chat.list_sessions(user_id="someone") == []
    assert chat.list_sessions(page_size=0) == []

    first.update({"name": "Renamed"})
    assert [session.name for session in chat.list_sessions(id=first.id)] == ["Renamed"]
    with raises_exactly("`name` can not be empty."):
        first.update({"name": " "})
    with raises_exactly("`messages` cannot be changed."):
        first.update({"messages": []})
    with raises_exactly("`name` can not be empty."):
        chat.create_session(name="")

    chat.delete_sessions(ids=[second.id])
    assert [session.id for session in chat.list_sessions()] == [first.id]
    with raises_exactly(f"The chat doesn't own the session {second.id}"):
        chat.delete_sessions(ids=[second.id])
    chat.delete_sessions()  # nothing named
    assert len(chat.list_sessions()) == 1
    chat.delete_sessions(delete_all=True)
    assert chat.list_sessions() == []


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_answers_carry_the_id_of_the_stored_message(rag, corpus, unique_name, stream):
    """The answer's ``id`` is the id both stored messages of the turn share; ragflow-sdk 0.27 copies it into
    ``Message.id``, 0.26 leaves it ``None``. Nothing is retrieved, so the configured text answers without a model."""
    chat = empty_response_chat(rag, unique_name, corpus.id)
    session = chat.create_session()

    (message,) = session.ask(UNANSWERABLE, stream=stream)

    assert message.content == EMPTY_RESPONSE
    (stored,) = chat.list_sessions(id=session.id)
    user, answer = stored.messages[1:]
    assert user["id"] == answer["id"]
    assert message.id == (answer["id"] if SDK_027 else None)


def test_sessions_of_another_tenants_chat(rag, other_rag, unique_name):
    chat = rag.create_chat(unique_name)
    session = chat.create_session()
    stolen = Chat(other_rag, {"id": chat.id})
    for attempt in (
        stolen.create_session,
        stolen.list_sessions,
        lambda: stolen.delete_sessions(ids=[session.id]),
        lambda: Session(other_rag, {"id": session.id, "chat_id": chat.id}).update({"name": "x"}),
    ):
        with raises_exactly("No authorization."):
            attempt()
    assert [listed.id for listed in chat.list_sessions()] == [session.id]
