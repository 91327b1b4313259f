"""Search apps and related questions end to end: a live server and the built-in local model.

A search app over a dataset holding an invented fact answers a question about it as a stream
of deltas, then the whole answer with its reference and the terminator; related questions
come back as a list of strings from the same model. SmolLM2-135M is tiny: the tests assert
what does not depend on its eloquence, with temperature 0 and few tokens.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from ragloom.providers.chat.local_llama import local_chat_available
from tests.e2e.chats_support import parsed_dataset
from tests.e2e.conftest import LiveServer
from tests.e2e.test_chat_local import sse_events

pytestmark = pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed")

FACT = "The Zorblax festival is held every March in the mountain town of Quillby, where people paint eggs green."
QUESTION = "When is the Zorblax festival held?"


@pytest.fixture(scope="module")
def search_app(live_server: LiveServer) -> dict[str, Any]:
    from ragflow_sdk import RAGFlow

    dataset = parsed_dataset(RAGFlow(live_server.key, live_server.base_url), f"search-{time.time_ns()}", content=FACT)
    config = {"kb_ids": [dataset.id], "llm_setting": {"temperature": 0.0, "max_tokens": 48}, "summary": True}
    created = requests.post(
        f"{live_server.api_url}/searches",
        json={"name": f"festival-{time.time_ns()}", "search_config": config},
        headers=live_server.headers(),
        timeout=30,
    ).json()
    assert created["code"] == 0, created
    return {"id": created["data"]["search_id"], "dataset_id": dataset.id}


def test_the_answer_streams_token_by_token_then_comes_whole_with_its_reference(
    live_server: LiveServer, search_app: dict[str, Any]
) -> None:
    with requests.post(
        f"{live_server.api_url}/searches/{search_app['id']}/completions",
        json={"question": QUESTION},
        headers=live_server.headers(),
        stream=True,
        timeout=120,
    ) as response:
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        events = sse_events(response)
    assert events[-1][1] == {"code": 0, "message": "", "data": True}
    deltas = [(moment, event["data"]) for moment, event in events[:-2]]
    assert len(deltas) >= 3
    assert all(delta["final"] is False and delta["reference"] == {} for _, delta in deltas)
    assert deltas[-1][0] - deltas[0][0] > 0.02  # streamed, not one burst
    final = events[-2][1]["data"]
    assert final["final"] is True
    assert final["answer"].strip()
    assert "".join(delta["answer"] for _, delta in deltas).strip()[:10] in final["answer"]
    chunks = final["reference"]["chunks"]
    assert chunks
    assert "Zorblax" in chunks[0]["content"]
    assert chunks[0]["dataset_id"] == search_app["dataset_id"]
    assert "[ID:0]" in final["answer"]


def test_another_tenant_can_neither_ask_nor_read_the_app(live_server: LiveServer, search_app: dict[str, Any]) -> None:
    other = live_server.headers(live_server.other_key)
    asked = requests.post(
        f"{live_server.api_url}/searches/{search_app['id']}/completions",
        json={"question": QUESTION},
        headers=other,
        timeout=30,
    ).json()
    assert asked == {"code": 109, "message": "No authorization.", "data": False}
    read = requests.get(f"{live_server.api_url}/searches/{search_app['id']}", headers=other, timeout=30).json()
    assert read == {"code": 103, "message": "Has no permission for this operation.", "data": False}


@pytest.mark.parametrize("path", ["/chat/recommendation", "/searchbots/related_questions"])
def test_related_questions_from_the_local_model(live_server: LiveServer, search_app: dict[str, Any], path: str) -> None:
    answer = requests.post(
        f"{live_server.api_url}{path}",
        json={"question": "Zorblax festival", "search_id": search_app["id"]},
        headers=live_server.headers(),
        timeout=120,
    ).json()
    assert answer["code"] == 0, answer
    questions = answer["data"]
    assert questions
    assert all(isinstance(question, str) and question.strip() for question in questions)
    assert len(questions) <= 10
    assert "zorblax festival" not in {question.lower() for question in questions}
