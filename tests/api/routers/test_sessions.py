"""Chat session routes through raw HTTP: the list's ordering and pages, as RAGFlow's
``test_list_sessions_with_chat_assistant.py`` expects them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def sessions_path(client: TestClient, headers: dict[str, str]) -> str:
    chat = client.post("/api/v1/chats", json={"name": "c"}, headers=headers).json()["data"]["id"]
    for name in ("b", "a", "c"):
        client.post(f"/api/v1/chats/{chat}/sessions", json={"name": name}, headers=headers)
    return f"/api/v1/chats/{chat}/sessions"


def listed(client: TestClient, headers: dict[str, str], path: str, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = client.get(path, params=params, headers=headers).json()
    return body


@pytest.mark.parametrize("orderby", ["unknown", "messages"])
def test_an_unknown_orderby_is_an_argument_error(
    client: TestClient, headers: dict[str, str], sessions_path: str, orderby: str
) -> None:
    assert listed(client, headers, sessions_path, orderby=orderby) == {
        "code": 102,
        "message": "orderby should be create_time or update_time",
    }
    names = [
        session["name"] for session in listed(client, headers, sessions_path, orderby="name", desc="False")["data"]
    ]
    assert names == ["a", "b", "c"]


@pytest.mark.parametrize("page", [0, -1, -100])
def test_a_page_of_zero_or_less_is_the_first(
    client: TestClient, headers: dict[str, str], sessions_path: str, page: int
) -> None:
    first = listed(client, headers, sessions_path, page=1, page_size=2)["data"]
    assert len(first) == 2
    assert listed(client, headers, sessions_path, page=page, page_size=2)["data"] == first
