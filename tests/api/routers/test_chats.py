"""Chat assistant routes through raw HTTP: what a chat records when created with nothing but a
name, and the list's ordering, as RAGFlow's ``test_create_chat_assistant.py`` and
``test_list_chat_assistants.py`` expect them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

# RAGFlow's default, as its test states it: three sentences, then the knowledge block indented by six spaces.
RAGFLOW_INSTRUCTIONS = [
    "You are an intelligent assistant.",
    "Please summarize the content of the dataset to answer the question.",
    "Please list the data in the dataset and answer in detail.",
    "When all dataset content is irrelevant to the question, your answer must include the sentence",
    '"The answer you are looking for is not found in the dataset!"',
    "Answers need to consider chat history.",
]
RAGFLOW_KNOWLEDGE_BLOCK = ["Here is the knowledge base:", "{knowledge}", "The above is the knowledge base."]
RAGFLOW_DEFAULT_SYSTEM_PROMPT = "\n      ".join([" ".join(RAGFLOW_INSTRUCTIONS), *RAGFLOW_KNOWLEDGE_BLOCK])


def chats(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/api/v1/chats", params=params, headers=headers).json()
    return body


@pytest.mark.parametrize("body", [{"name": "bare"}, {"name": "bare", "llm_id": None, "prompt_config": {"system": ""}}])
def test_a_chat_without_prompt_or_model_records_ragflows_defaults(
    client: TestClient, headers: dict[str, str], body: dict[str, Any]
) -> None:
    tenant_model = client.get("/api/v1/tenant/models", headers=headers).json()["data"]["llm_id"]
    created = client.post("/api/v1/chats", json=body, headers=headers).json()["data"]
    (listed,) = chats(client, headers)["data"]["chats"]
    for chat in (created, listed, client.get(f"/api/v1/chats/{created['id']}", headers=headers).json()["data"]):
        assert chat["llm_id"] == tenant_model
        assert chat["llm_setting"] == {}
        assert chat["prompt_config"]["system"] == RAGFLOW_DEFAULT_SYSTEM_PROMPT
        assert chat["prompt_config"]["parameters"] == [{"key": "knowledge", "optional": False}]
        assert chat["prompt_config"]["prologue"] == "Hi! I'm your assistant. What can I do for you?"
        assert (chat["similarity_threshold"], chat["vector_similarity_weight"], chat["top_n"]) == (0.1, 0.3, 6)


@pytest.mark.parametrize("orderby", ["unknown", "prompt_config"])
def test_an_unknown_orderby_is_an_argument_error(client: TestClient, headers: dict[str, str], orderby: str) -> None:
    client.post("/api/v1/chats", json={"name": "c"}, headers=headers)
    assert chats(client, headers, orderby=orderby) == {
        "code": 102,
        "message": "orderby should be create_time or update_time",
    }
    assert chats(client, headers, orderby="name", desc="false")["data"]["total"] == 1


def test_the_older_llm_and_prompt_objects_change_what_they_name(client: TestClient, headers: dict[str, str]) -> None:
    # the user walkthrough: assistant.update({"name": "Stefan", "llm": {"temperature": 0.8}, "prompt": {"top_n": 8}})
    created = client.post("/api/v1/chats", json={"name": "assistant", "llm_setting": {"top_p": 0.3}}, headers=headers)
    chat_id = created.json()["data"]["id"]
    older = {"name": "Stefan", "llm": {"temperature": 0.8}, "prompt": {"top_n": 8}}
    for method in ("PATCH", "PUT"):
        answer = client.request(method, f"/api/v1/chats/{chat_id}", json=older, headers=headers).json()
        assert answer["code"] == 0, answer
    chat = client.get(f"/api/v1/chats/{chat_id}", headers=headers).json()["data"]
    assert (chat["name"], chat["top_n"], chat["llm_setting"]) == ("Stefan", 8, {"top_p": 0.3, "temperature": 0.8})

    every_key = {
        "llm": {"max_token": 256, "presence_penalty": 0.4},
        "prompt": {
            "similarity_threshold": 0.25,
            "keywords_similarity_weight": 0.75,
            "opener": "Hello.",
            "prompt": "Answer from {knowledge}.",
            "show_quote": False,
            "empty_response": "Nothing found.",
            "variables": [{"key": "knowledge", "optional": True}],
        },
        "prompt_config": {"prologue": "Today's shape wins."},
    }
    assert client.patch(f"/api/v1/chats/{chat_id}", json=every_key, headers=headers).json()["code"] == 0
    chat = client.get(f"/api/v1/chats/{chat_id}", headers=headers).json()["data"]
    assert chat["llm_setting"] == {"top_p": 0.3, "temperature": 0.8, "max_tokens": 256, "presence_penalty": 0.4}
    assert (chat["similarity_threshold"], chat["vector_similarity_weight"]) == (0.25, 0.25)
    config = chat["prompt_config"]
    assert (config["prologue"], config["system"], config["quote"], config["empty_response"]) == (
        "Today's shape wins.",
        "Answer from {knowledge}.",
        False,
        "Nothing found.",
    )
    assert config["parameters"] == [{"key": "knowledge", "optional": True}]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"llm": "hot"}, "`llm` should be an object."),
        ({"prompt": {"top_n": 8, "colour": "red"}}, "`prompt` does not take colour; it takes "),
        ({"llm": {"temprature": 0.8}}, "`llm` does not take temprature; it takes "),
    ],
)
def test_the_older_shape_is_refused_where_it_cannot_be_mapped(
    client: TestClient, headers: dict[str, str], body: dict[str, Any], message: str
) -> None:
    chat_id = client.post("/api/v1/chats", json={"name": "assistant"}, headers=headers).json()["data"]["id"]
    before = client.get(f"/api/v1/chats/{chat_id}", headers=headers).json()["data"]
    answer = client.patch(f"/api/v1/chats/{chat_id}", json=body, headers=headers).json()
    assert answer["code"] == 102
    assert answer["message"].startswith(message)
    assert client.get(f"/api/v1/chats/{chat_id}", headers=headers).json()["data"] == before
