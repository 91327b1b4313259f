"""Helpers shared by the chat and session end-to-end tests (contract §8, §9).

A chat may only use datasets holding chunks, so :func:`parsed_dataset` adds one chunk by
hand to a placeholder document (no parsing), embedded with the fast built-in USE model.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import requests

from ragloom.storage.metadata.tables import ChatSession
from tests.e2e.conftest import LiveServer
from tests.e2e.stores import metadata_store

FAST_MODEL = "universal-sentence-encoder-multilingual@Builtin"
DEFAULT_MODEL = "multilingual-e5-small@Builtin"
NO_AUTHORIZATION = {"code": 109, "message": "No authorization.", "data": False}
HTTP_DATE = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")
CHAT_KEYS = {
    "id",
    "tenant_id",
    "name",
    "description",
    "icon",
    "language",
    "llm_id",
    "tenant_llm_id",
    "llm_setting",
    "prompt_type",
    "prompt_config",
    "meta_data_filter",
    "similarity_threshold",
    "vector_similarity_weight",
    "top_n",
    "top_k",
    "do_refer",
    "rerank_id",
    "tenant_rerank_id",
    "dataset_ids",
    "kb_names",
    "status",
    "create_time",
    "create_date",
    "update_time",
    "update_date",
}
CHAT_LIST_KEYS = {
    "id",
    "tenant_id",
    "name",
    "description",
    "language",
    "llm_id",
    "llm_setting",
    "prompt_type",
    "prompt_config",
    "similarity_threshold",
    "vector_similarity_weight",
    "top_n",
    "top_k",
    "do_refer",
    "rerank_id",
    "icon",
    "status",
    "nickname",
    "tenant_avatar",
    "update_time",
    "create_time",
    "dataset_ids",
    "kb_names",
}
SESSION_KEYS = {
    "id",
    "chat_id",
    "name",
    "messages",
    "reference",
    "user_id",
    "create_time",
    "create_date",
    "update_time",
    "update_date",
}


def parsed_dataset(rag: Any, name: str, *, model: str = FAST_MODEL, content: str = "Ragloom answers questions.") -> Any:
    """A dataset of ``rag``'s tenant holding one chunk (so a chat may use it)."""
    dataset = rag.create_dataset(name=name, embedding_model=model)
    (document,) = dataset.upload_documents([{"display_name": "notes.txt", "blob": b"placeholder"}])
    document.add_chunk(content)
    return dataset


EMPTY_RESPONSE = "Nothing about that here."
UNANSWERABLE = "Who won the 1930 football world cup?"


def empty_response_chat(rag: Any, name: str, dataset_id: str) -> Any:
    """A chat on ``dataset_id`` whose threshold lets nothing through, so it answers every question with
    :data:`EMPTY_RESPONSE` and never calls a model."""
    return rag.create_chat(
        name=name,
        dataset_ids=[dataset_id],
        prompt_config={"empty_response": EMPTY_RESPONSE},
        similarity_threshold=0.99,
    )


def is_uuid1_hex(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"[0-9a-f]{32}", value)) and uuid.UUID(value).version == 1


class Api:
    """Raw HTTP calls with one tenant's key; every call returns the decoded JSON body."""

    def __init__(self, server: LiveServer, key: str | None = None) -> None:
        self.url = server.api_url
        self.headers = server.headers(key)

    def call(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        response = requests.request(method, f"{self.url}{path}", headers=self.headers, timeout=60, **options)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, method: str, path: str, **options: Any) -> Any:
        """The ``data`` of a successful J-envelope answer."""
        body = self.call(method, path, **options)
        assert body["code"] == 0, body
        assert body["message"] == "success", body
        return body["data"]

    def error(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        """A refusal, checked to be D-shaped (exactly ``code`` and ``message``)."""
        body = self.call(method, path, **options)
        assert set(body) == {"code", "message"}, body
        return body

    def create_chat(self, name: str, **fields: Any) -> dict[str, Any]:
        chat: dict[str, Any] = self.data("POST", "/chats", json={"name": name, **fields})
        return chat

    def create_session(self, chat_id: str, **body: Any) -> dict[str, Any]:
        session: dict[str, Any] = self.data("POST", f"/chats/{chat_id}/sessions", json=body)
        return session


def refused(body: dict[str, Any], message: str, code: int = 102) -> None:
    """``body`` is the D-shaped refusal ``code``/``message``."""
    assert body == {"code": code, "message": message}


def store_turns(server: LiveServer, session_id: str, messages: list[Any], reference: list[Any]) -> None:
    """Write a conversation into a session as the completions route stores it (there is no
    model to hold a real one with in these tests)."""
    store = metadata_store(server.data_dir, server.env or {})
    try:
        with store.writing() as tx:
            session = tx.session.get(ChatSession, session_id)
            assert session is not None
            session.messages, session.reference = messages, reference
    finally:
        store.close()
