"""``/chats/{id}/completions`` streams: deltas as RAGFlow v0.26 sends them, or with ``legacy: true``
the whole answer so far in every event, as older RAGFlow sent it and programs written then print it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from tests.openai_server import OpenAIStyleServer
from tests.search_support import chat_over_a_dataset, sse_payloads

PIECES = ["Bananas ", "are rich ", "in potassium."]


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


@pytest.fixture
def chat_id(client: TestClient, headers: dict[str, str], services: Services, caller: Caller) -> str:
    return chat_over_a_dataset(client, headers, services, caller)


def answers(client: TestClient, headers: dict[str, str], chat_id: str, **extra: Any) -> list[str]:
    body = {"question": "What are bananas rich in?", "stream": True, **extra}
    text = client.post(f"/api/v1/chats/{chat_id}/completions", json=body, headers=headers).text
    events = [payload["data"] for payload in sse_payloads(text) if isinstance(payload["data"], dict)]
    return [event["answer"] for event in events if not event.get("final")]


def test_a_stream_sends_deltas_and_legacy_sends_the_answer_so_far(
    client: TestClient, headers: dict[str, str], chat_id: str, chat_server: OpenAIStyleServer
) -> None:
    chat_server.answer = PIECES
    assert answers(client, headers, chat_id) == PIECES
    assert answers(client, headers, chat_id, legacy=True) == ["Bananas ", "Bananas are rich ", "".join(PIECES)]
    # what the user walkthrough's loop prints: print(ans.content[len(cont):]); cont = ans.content
    printed, cont = "", ""
    for answer in answers(client, headers, chat_id, legacy=True):
        printed, cont = printed + answer[len(cont) :], answer
    assert printed == "".join(PIECES)
