"""Chat completions end to end with the built-in local model (llama.cpp + SmolLM2-135M): real generation.

A dataset holds one document with an invented fact and one unrelated document; a chat over it is asked
about the fact through ragflow-sdk (stream and non-stream), raw HTTP and the official ``openai`` client.
SmolLM2-135M is tiny, so tests assert what does not depend on its eloquence: an answer arrives, token by
token, with a reference holding the fact's chunk and a citation pointing at it; history is kept; errors are
clear. Generation uses temperature 0 and few tokens to stay quick and stable.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from ragloom.providers.chat.local_llama import local_chat_available
from tests.e2e.chats_support import EMPTY_RESPONSE, UNANSWERABLE, empty_response_chat
from tests.e2e.conftest import LiveServer
from tests.e2e.sdk_version import SDK_027

pytestmark = pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed")

FACT = "The Zorblax festival is held every March in the mountain town of Quillby, where people paint eggs green."
OTHER = "Sourdough bread needs a starter of flour and water, fed daily, and a long slow rise before baking."
QUESTION = "When is the Zorblax festival held?"
FAST = {"temperature": 0.0, "max_tokens": 48}


@pytest.fixture(scope="module")
def dataset(live_server: LiveServer) -> Any:
    from ragflow_sdk import RAGFlow

    rag = RAGFlow(live_server.key, live_server.base_url)
    created = rag.create_dataset(
        name=f"chat-local-{time.time_ns()}", embedding_model="universal-sentence-encoder-multilingual@Builtin"
    )
    documents = created.upload_documents(
        [{"display_name": "festival.txt", "blob": FACT.encode()}, {"display_name": "bread.txt", "blob": OTHER.encode()}]
    )
    topics = {"festival.txt": {"topic": "festival", "year": 2026}, "bread.txt": {"topic": "baking"}}
    for document in documents:
        document.update({"meta_fields": topics[document.name]})
    results = created.parse_documents([document.id for document in documents])
    assert all(run == "DONE" for _, run, _, _ in results)
    return created


@pytest.fixture(scope="module")
def chat(live_server: LiveServer, dataset: Any) -> Any:
    from ragflow_sdk import RAGFlow

    rag = RAGFlow(live_server.key, live_server.base_url)
    return rag.create_chat(name=f"festival-{time.time_ns()}", dataset_ids=[dataset.id], llm_setting=FAST)


def sse_events(response: requests.Response) -> list[tuple[float, Any]]:
    """Each ``data:`` event's JSON with the moment it arrived."""
    events = []
    for line in response.iter_lines(chunk_size=1, decode_unicode=True):
        if line and line.startswith("data:"):
            events.append((time.monotonic(), json.loads(line[len("data:") :])))
    return events


def cites_fact(answer: str, chunks: list[dict[str, Any]]) -> bool:
    fact_positions = [index for index, chunk in enumerate(chunks) if "Zorblax" in chunk["content"]]
    return any(f"[ID:{index}]" in answer for index in fact_positions)


def stored_answer_id(chat: Any, session: Any) -> str:
    """The id of the last answer stored in the session (ragflow-sdk 0.27 gives it as ``Message.id``)."""
    (stored,) = chat.list_sessions(id=session.id)
    return str(stored.messages[-1]["id"])


@pytest.mark.sdk
def test_sdk_non_stream_answer_cites_the_chunk_holding_the_fact(chat: Any) -> None:
    session = chat.create_session()
    (message,) = session.ask(QUESTION, stream=False)  # the SDK yields one message when not streaming
    assert message.content.strip()
    assert message.id == (stored_answer_id(chat, session) if SDK_027 else None)
    assert message.reference
    assert any("Zorblax" in chunk["content"] for chunk in message.reference)
    assert cites_fact(message.content, message.reference), message.content


@pytest.mark.sdk
def test_sdk_stream_yields_growing_deltas_then_the_cited_answer(chat: Any) -> None:
    session = chat.create_session()
    messages = list(session.ask(QUESTION, stream=True))
    assert len(messages) >= 3
    final = messages[-1]
    assert final.reference
    assert cites_fact(final.content, final.reference)
    deltas = "".join(message.content for message in messages[:-1])
    assert deltas.strip()
    assert deltas.strip()[:10] in final.content
    assert {message.id for message in messages} == {stored_answer_id(chat, session) if SDK_027 else None}


def test_the_walkthroughs_printing_loop_works_with_legacy(chat: Any) -> None:
    # the user walkthrough prints ans.content[len(cont):]: right with legacy's whole-answer-so-far events
    session = chat.create_session()
    printed, cont, growing = "", "", True
    for ans in session.ask(QUESTION, stream=True, legacy=True):
        growing = growing and ans.content.startswith(cont[:20])
        printed, cont = printed + ans.content[len(cont) :], ans.content
    assert growing
    assert printed.strip()
    assert printed.strip()[:10] in cont


def test_stream_sends_several_events_before_the_last_token(live_server: LiveServer, chat: Any) -> None:
    body = {"question": QUESTION, "stream": True}
    with requests.post(
        f"{live_server.api_url}/chats/{chat.id}/completions",
        json=body,
        headers=live_server.headers(),
        stream=True,
        timeout=120,
    ) as response:
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        events = sse_events(response)
    assert events[-1][1] == {"code": 0, "message": "", "data": True}
    deltas = [
        (moment, event) for moment, event in events if isinstance(event["data"], dict) and not event["data"]["final"]
    ]
    assert len(deltas) >= 3
    assert all(event["data"]["reference"] == {"chunks": []} for _, event in deltas)
    # not one burst: the first fragment arrived well before the last one
    assert deltas[-1][0] - deltas[0][0] > 0.02
    final = events[-2][1]["data"]
    assert final["final"] is True
    assert final["reference"]["chunks"]
    assert final["prompt"]
    assert "".join(event["data"]["answer"] for _, event in deltas).strip()
    assert {"id", "session_id", "chat_id", "audio_binary"} <= set(final)


@pytest.mark.sdk
def test_multi_turn_history_is_kept_in_the_session(live_server: LiveServer, chat: Any) -> None:
    session = chat.create_session()
    list(session.ask(QUESTION, stream=False))
    list(session.ask("And in which town?", stream=False))
    answer = requests.get(
        f"{live_server.api_url}/chats/{chat.id}/sessions/{session.id}", headers=live_server.headers(), timeout=30
    ).json()
    messages = answer["data"]["messages"]
    assert [message["role"] for message in messages] == ["assistant", "user", "assistant", "user", "assistant"]
    assert messages[1]["content"] == QUESTION
    assert messages[3]["content"] == "And in which town?"
    assert messages[1]["id"] == messages[2]["id"]
    assert len(answer["data"]["reference"]) == 2


@pytest.mark.sdk
def test_empty_retrieval_answers_the_configured_text_without_the_model(live_server: LiveServer, dataset: Any) -> None:
    from ragflow_sdk import RAGFlow

    rag = RAGFlow(live_server.key, live_server.base_url)
    chat = empty_response_chat(rag, f"strict-{time.time_ns()}", dataset.id)
    session = chat.create_session()
    (message,) = session.ask(UNANSWERABLE, stream=False)
    assert message.content == EMPTY_RESPONSE
    with requests.post(
        f"{live_server.api_url}/chats/{chat.id}/completions",
        json={"question": UNANSWERABLE, "session_id": session.id},
        headers=live_server.headers(),
        stream=True,
        timeout=60,
    ) as response:
        events = [event for _, event in sse_events(response)]
    assert len(events) == 2
    assert events[0]["data"]["answer"] == EMPTY_RESPONSE
    assert events[0]["data"]["final"] is True
    assert events[1]["data"] is True


def test_openai_client_non_stream_and_stream(live_server: LiveServer, chat: Any) -> None:
    from openai import OpenAI

    client = OpenAI(api_key=live_server.key, base_url=f"{live_server.api_url}/openai/{chat.id}")
    completion = client.chat.completions.create(
        model="model",
        messages=[{"role": "user", "content": QUESTION}],
        extra_body={"reference": True},
        max_tokens=48,
        temperature=0,
    )
    message = completion.choices[0].message
    assert message.content
    assert completion.choices[0].finish_reason == "stop"
    reference = (message.model_extra or {})["reference"]
    assert any("Zorblax" in chunk["content"] for chunk in reference)
    assert cites_fact(message.content, reference)
    assert completion.usage is not None
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens > 0

    chunks = list(
        client.chat.completions.create(
            model="model",
            messages=[{"role": "user", "content": QUESTION}],
            stream=True,
            max_tokens=48,
            temperature=0,
        )
    )
    contents = [chunk.choices[0].delta.content for chunk in chunks if chunk.choices[0].delta.content]
    assert len(contents) >= 3
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage is not None
    assert all(
        chunk.choices[0].delta.reasoning_content is None
        for chunk in chunks
        if hasattr(chunk.choices[0].delta, "reasoning_content")
    )


def test_openai_alias_and_errors(live_server: LiveServer, chat: Any) -> None:
    from openai import BadRequestError, NotFoundError, OpenAI

    url = f"{live_server.api_url}/chats_openai/{chat.id}/chat/completions"
    headers = live_server.headers()
    missing = requests.post(url, json={"messages": [{"role": "user", "content": "hi"}]}, headers=headers, timeout=30)
    assert missing.status_code == 400
    assert missing.json()["error"]["message"] == "required argument are missing: model; "
    client = OpenAI(api_key=live_server.key, base_url=f"{live_server.api_url}/chats_openai/{chat.id}")
    with pytest.raises(BadRequestError, match="You have to provide messages."):
        client.chat.completions.create(model="model", messages=[])
    # any model value: the chat's own model answers
    answered = client.chat.completions.create(
        model="x@NoSuchFactory", messages=[{"role": "user", "content": "hi"}], max_tokens=4
    )
    assert answered.model == "SmolLM2-135M-Instruct@Builtin"
    stranger = OpenAI(api_key=live_server.other_key, base_url=f"{live_server.api_url}/chats_openai/{chat.id}")
    with pytest.raises(NotFoundError, match=f"You don't own the chat {chat.id}"):
        stranger.chat.completions.create(model="model", messages=[{"role": "user", "content": "hi"}])


def test_bad_completion_requests_get_clear_errors(live_server: LiveServer, chat: Any, dataset: Any) -> None:
    url = f"{live_server.api_url}/chats/{chat.id}/completions"
    sessions_before = len(chat.list_sessions(page_size=100))

    def ask(body: dict[str, Any], key: str | None = None, target: str = url) -> dict[str, Any]:
        answer = requests.post(target, json=body, headers=live_server.headers(key), timeout=60)
        return dict(answer.json())

    assert ask({"stream": False}) == {"code": 101, "message": "required argument are missing: messages"}
    unknown_session = ask({"question": "hi", "session_id": "0" * 32, "stream": False})
    assert unknown_session["code"] == 102
    assert unknown_session["message"] == "Session not found!"
    foreign = ask({"question": "hi", "stream": False}, key=live_server.other_key)
    assert foreign == {"code": 109, "message": "No authorization.", "data": False}
    too_long = ask({"question": "festival " * 20_000, "stream": False})
    assert too_long["code"] == 102
    assert "too long" in too_long["message"]
    wrong_model = ask({"question": "hi", "llm_id": "x@NoSuchFactory", "stream": False})
    assert wrong_model["code"] == 102
    assert wrong_model["message"] == "Cannot use specified model x@NoSuchFactory."
    assert len(chat.list_sessions(page_size=100)) == sessions_before  # refused questions start no session


def test_a_chat_whose_datasets_were_deleted_answers_a_clear_error(live_server: LiveServer) -> None:
    from ragflow_sdk import RAGFlow

    rag = RAGFlow(live_server.key, live_server.base_url)
    doomed = rag.create_dataset(
        name=f"doomed-{time.time_ns()}", embedding_model="universal-sentence-encoder-multilingual@Builtin"
    )
    (document,) = doomed.upload_documents([{"display_name": "f.txt", "blob": FACT.encode()}])
    doomed.parse_documents([document.id])
    chat = rag.create_chat(name=f"orphan-{time.time_ns()}", dataset_ids=[doomed.id], llm_setting=FAST)
    rag.delete_datasets(ids=[doomed.id])
    answer = requests.post(
        f"{live_server.api_url}/chats/{chat.id}/completions",
        json={"question": QUESTION, "stream": False},
        headers=live_server.headers(),
        timeout=60,
    ).json()
    assert answer["code"] == 102
    assert "deleted" in answer["message"]


def test_openai_reference_options_work_nested_and_at_the_top_level(live_server: LiveServer, chat: Any) -> None:
    url = f"{live_server.api_url}/openai/{chat.id}/chat/completions"
    base = {"model": "model", "messages": [{"role": "user", "content": QUESTION}], "max_tokens": 8, "temperature": 0}

    def ask(body: dict[str, Any]) -> dict[str, Any]:
        answer = requests.post(url, json=body, headers=live_server.headers(), timeout=60)
        assert answer.headers["content-type"].startswith("application/json")
        return dict(answer.json()["choices"][0]["message"])

    assert "reference" not in ask(base)
    nested = ask(
        {**base, "extra_body": {"reference": True, "reference_metadata": {"include": True, "fields": ["topic"]}}}
    )
    (fact,) = [chunk for chunk in nested["reference"] if "Zorblax" in chunk["content"]]
    assert fact["document_metadata"] == {"topic": "festival"}
    top_level = ask({**base, "reference": True, "reference_metadata": {"include": True}})
    (fact,) = [chunk for chunk in top_level["reference"] if "Zorblax" in chunk["content"]]
    assert fact["document_metadata"] == {"topic": "festival", "year": 2026}
    baking_only = {"conditions": [{"name": "topic", "comparison_operator": "is", "value": "baking"}]}
    filtered = ask({**base, "reference": True, "metadata_condition": baking_only})
    assert all("Zorblax" not in chunk["content"] for chunk in filtered["reference"])
    nothing = {"conditions": [{"name": "topic", "comparison_operator": "is", "value": "astronomy"}]}
    assert ask({**base, "extra_body": {"reference": True, "metadata_condition": nothing}})["reference"] == []
    wrong = requests.post(
        url, json={**base, "extra_body": {"metadata_condition": "topic"}}, headers=live_server.headers()
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["message"] == "metadata_condition must be an object."


def test_custom_parameters_fill_the_system_prompt(live_server: LiveServer, dataset: Any) -> None:
    from ragflow_sdk import RAGFlow

    rag = RAGFlow(live_server.key, live_server.base_url)
    system = "You are {persona}. Use this knowledge:\n{knowledge}"
    chat = rag.create_chat(
        name=f"persona-{time.time_ns()}",
        dataset_ids=[dataset.id],
        llm_setting={"temperature": 0.0, "max_tokens": 8},
        prompt_config={
            "system": system,
            "parameters": [{"key": "knowledge", "optional": False}, {"key": "persona", "optional": False}],
        },
    )
    url = f"{live_server.api_url}/chats/{chat.id}/completions"
    missing = requests.post(
        url, json={"question": QUESTION, "stream": False}, headers=live_server.headers(), timeout=60
    )
    assert missing.json() == {"code": 102, "message": "Miss parameter: persona"}
    given = requests.post(
        url,
        json={"question": QUESTION, "stream": False, "persona": "a pirate librarian"},
        headers=live_server.headers(),
        timeout=60,
    ).json()
    assert given["code"] == 0
    assert "You are a pirate librarian." in given["data"]["prompt"]
    assert "Zorblax" in given["data"]["prompt"]


def test_without_a_chat_the_default_model_answers_and_nothing_is_stored(live_server: LiveServer) -> None:
    answer = requests.post(
        f"{live_server.api_url}/chat/completions",
        json={"question": "Say hello.", "stream": False, "max_tokens": 8, "temperature": 0},
        headers=live_server.headers(),
        timeout=60,
    ).json()
    assert answer["code"] == 0
    data = answer["data"]
    assert data["answer"].strip()
    assert data["session_id"] == ""
    assert data["reference"] == {"chunks": []}
    assert data["prompt"] == ""
    assert "chat_id" not in data


def test_a_stream_the_client_abandons_is_still_stored(live_server: LiveServer, chat: Any) -> None:
    session = chat.create_session()
    url = f"{live_server.api_url}/chats/{chat.id}/completions"
    body = {"question": QUESTION, "session_id": session.id, "max_tokens": 200}
    with requests.post(url, json=body, headers=live_server.headers(), stream=True, timeout=60) as response:
        lines = response.iter_lines(decode_unicode=True)
        received = [
            line for line, _ in zip((line for line in lines if line.startswith("data:")), range(2), strict=False)
        ]
    assert len(received) == 2
    session_url = f"{live_server.api_url}/chats/{chat.id}/sessions/{session.id}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        messages = requests.get(session_url, headers=live_server.headers(), timeout=30).json()["data"]["messages"]
        if len(messages) == 3:
            break
        time.sleep(0.2)
    assert [message["role"] for message in messages] == ["assistant", "user", "assistant"]
    assert messages[1]["content"] == QUESTION
    assert messages[2]["content"].strip()
