"""``/chats/{chat_id}/completions`` and ``/chat/completions``: converse (contract §9.7).

Streams are RAGFlow's: one ``data:`` event per answer delta (reasoning between
``start_to_think`` / ``end_to_think`` markers, its text in ``reasoning_content``, never in
``answer``), a final event with the whole decorated answer and its reference for chats
with datasets, then ``data: true``. A provider failure mid-stream becomes a code-500
event followed by the terminator.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Response

from ragloom.api import sse
from ragloom.api.deps import CurrentCaller, LooseBody, ServicesDep
from ragloom.api.envelopes import Envelope, failure, success
from ragloom.api.params import flag, in_range
from ragloom.api.routing import EnvelopeRoute, envelope
from ragloom.errors import ArgumentError
from ragloom.providers.chat import ChatMessage, GenerationOptions
from ragloom.services.answers import AnswerEvent, EventKind
from ragloom.services.completions import CompletionRequest, Turn
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

router = APIRouter(tags=["chat"], route_class=EnvelopeRoute)

SAMPLING_KEYS = ("temperature", "top_p", "frequency_penalty", "presence_penalty", "max_tokens")
KNOWN_KEYS = {
    "messages",
    "question",
    "chat_id",
    "session_id",
    "conversation_id",
    "stream",
    "llm_id",
    "pass_all_history_messages",
    "pass_all_history",
    "quote",
    "doc_ids",
    "files",
    *SAMPLING_KEYS,
}


@router.post("/chats/{chat_id}/completions", summary="Ask a chat")
@envelope(Envelope.JD)
def chat_completions(chat_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return _converse(caller, services, body, chat_id)


@router.post("/chat/completions", summary="Ask a chat, or the default chat model without one")
@envelope(Envelope.JD)
def completions(caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return _converse(caller, services, body, None)


def _converse(caller: Caller, services: Services, body: dict[str, Any], chat_id: str | None) -> Response:
    messages = parse_messages(body)
    request = completion_request(body, messages, body.get("chat_id") or chat_id)
    turn = services.completions.prepare(caller, request)
    if flag(body.get("stream"), default=True):
        return sse.stream(ragflow_events(turn))
    answer = turn.answer()
    if answer.error is not None:
        return failure(Envelope.J, 500, answer.error, {"answer": answer.answer, "reference": []})
    return success(Envelope.J, answer.public())


def parse_messages(body: dict[str, Any]) -> list[ChatMessage]:
    """The conversation of §9.7's ``messages`` (or ``question``), validated."""
    raw = body.get("messages")
    if raw is None:
        if body.get("question") is None:
            raise ArgumentError("required argument are missing: messages")
        raw = [{"role": "user", "content": body.get("question")}]
    if not isinstance(raw, list) or not raw:
        raise ArgumentError("`messages` must be a non-empty list.")
    if not all(isinstance(item, dict) for item in raw):
        raise ArgumentError("Every item in `messages` must be an object.")
    if not all("role" in item and "content" in item for item in raw):
        raise ArgumentError("Every item in `messages` must include `role` and `content`.")
    if not any(item["role"] == "user" for item in raw):
        raise ArgumentError("`messages` must contain a user message.")
    if raw[-1]["role"] != "user":
        raise ArgumentError("The last message must be from user.")
    return [
        ChatMessage(item["role"], message_text(item["content"]))
        for item in raw
        if item["role"] in ("user", "assistant")
    ]


def completion_request(body: dict[str, Any], messages: list[ChatMessage], chat_id: str | None) -> CompletionRequest:
    last = (body.get("messages") or [{}])[-1] if isinstance(body.get("messages"), list) else {}
    doc_ids = body.get("doc_ids")
    document_ids = [part.strip() for part in doc_ids.split(",") if part.strip()] if isinstance(doc_ids, str) else None
    quote = body.get("quote")
    return CompletionRequest(
        messages=messages,
        chat_id=str(chat_id) if chat_id else None,
        session_id=str(body.get("session_id") or body.get("conversation_id") or "") or None,
        llm_id=str(body["llm_id"]) if body.get("llm_id") else None,
        options=sampling_options(body),
        pass_all_history=flag(body.get("pass_all_history_messages", body.get("pass_all_history")), default=False),
        message_id=str(last.get("id")) if isinstance(last, dict) and last.get("id") else None,
        variables={key: value for key, value in body.items() if key not in KNOWN_KEYS},
        quote=None if quote is None else flag(quote, default=True),
        document_ids=document_ids,
    )


def sampling_options(body: dict[str, Any]) -> GenerationOptions:
    """The per-request sampling overrides (nulls ignored; wrong types refused)."""
    values: dict[str, Any] = {}
    for key in SAMPLING_KEYS:
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ArgumentError(f"`{key}` must be a number.")
        values[key] = in_range(key, int(value)) if key == "max_tokens" else float(value)
    return GenerationOptions.from_mapping(values)


def ragflow_events(turn: Turn) -> Iterator[bytes]:
    """A turn's events framed as RAGFlow streams them."""
    base: dict[str, Any] = {"id": turn.message_id, "session_id": turn.session_id}
    if turn.chat is not None:
        base["chat_id"] = turn.chat.id
    if not turn.has_datasets:
        base = {**base, "prompt": "", "created_at": None}
    for item in turn.events():
        payload = _ragflow_event(item, turn, base)
        if payload is not None:
            yield sse.event(payload)
    yield sse.event({"code": 0, "message": "", "data": True})


def step_event(item: AnswerEvent, delta: dict[str, Any]) -> dict[str, Any] | None:
    """The RAGFlow event of one step of a generation that is not its end: an answer fragment,
    a thinking marker or reasoning fragment (each ``delta`` with its part set), or the code-500
    error event. ``None`` for the final answer, which each route shapes its own way."""
    if item.kind is EventKind.DELTA:
        return {"code": 0, "message": "", "data": {**delta, "answer": item.text}}
    if item.kind is EventKind.THINK_START:
        return {"code": 0, "message": "", "data": {**delta, "start_to_think": True}}
    if item.kind is EventKind.THINK_END:
        return {"code": 0, "message": "", "data": {**delta, "end_to_think": True}}
    if item.kind is EventKind.REASONING:
        return {"code": 0, "message": "", "data": {**delta, "reasoning_content": item.text}}
    if item.kind is EventKind.ERROR:
        return {"code": 500, "message": item.text, "data": {"answer": f"**ERROR**: {item.text}", "reference": []}}
    return None


def _ragflow_event(item: AnswerEvent, turn: Turn, base: dict[str, Any]) -> dict[str, Any] | None:
    delta: dict[str, Any] = {"answer": "", "reference": {"chunks": []}, "audio_binary": None, "final": False, **base}
    if "created_at" in delta:
        delta["created_at"] = time.time()
    if item.kind is not EventKind.FINAL:
        return step_event(item, delta)
    answer = item.answer
    assert answer is not None
    if answer.error is not None:
        return None  # the error event already told the client
    if not turn.has_datasets:
        return None  # chats without datasets send no final event (§9.7)
    return {"code": 0, "message": "", "data": {**answer.public(), "final": True}}


def message_text(content: Any) -> str:
    """A message's text: a string as it is, or the ``text`` parts of an OpenAI-style content list joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return "" if content is None else str(content)
