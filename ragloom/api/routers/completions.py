"""``/chats/{chat_id}/completions`` and ``/chat/completions``: converse (contract §9.7).

Streams are RAGFlow's: one ``data:`` event per answer delta (reasoning between
``start_to_think`` / ``end_to_think`` markers, its text in ``reasoning_content``, never in
``answer``), a final event with the whole decorated answer and its reference for chats
with datasets, then ``data: true``. A provider failure mid-stream becomes a code-500
event followed by the terminator. With ``legacy: true`` each event's ``answer`` holds the whole
answer so far, as older RAGFlow streamed it and programs written then print it
(``print(ans.content[len(cont):])``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from fastapi import Response

from ragloom.api import sse
from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, failure, success
from ragloom.api.inputs import LooseBody
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.completions import CompletionBody
from ragloom.services.answers import AnswerEvent, EventKind
from ragloom.services.completions import Turn
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

router = api_router(tags=["chat"])


@router.post("/chats/{chat_id}/completions", summary="Ask a chat")
@envelope(Envelope.JD, streams=True)
def chat_completions(
    chat_id: str,  # noqa: ARG001 -- the body reads it (a chat_id in the body wins)
    caller: CurrentCaller,
    services: ServicesDep,
    body: LooseBody[CompletionBody],
) -> Response:
    return _converse(caller, services, body)


@router.post("/chat/completions", summary="Ask a chat, or the default chat model without one")
@envelope(Envelope.JD, streams=True)
def completions(caller: CurrentCaller, services: ServicesDep, body: LooseBody[CompletionBody]) -> Response:
    return _converse(caller, services, body)


def _converse(caller: Caller, services: Services, body: CompletionBody) -> Response:
    turn = services.completions.prepare(caller, body.checked)
    if body.streamed():
        return sse.stream(ragflow_events(turn, cumulative=body.cumulative()))
    answer = turn.answer()
    if answer.error is not None:
        return failure(Envelope.J, 500, answer.error, {"answer": answer.answer, "reference": []})
    return success(Envelope.J, answer.public())


def ragflow_events(turn: Turn, *, cumulative: bool = False) -> Iterator[bytes]:
    """A turn's events framed as RAGFlow streams them (``cumulative``: each answer the whole so far)."""
    base: dict[str, Any] = {"id": turn.message_id, "session_id": turn.session_id}
    if turn.chat is not None:
        base["chat_id"] = turn.chat.id
    if not turn.has_datasets:
        base = {**base, "prompt": "", "created_at": None}
    so_far = ""
    for item in turn.events():
        payload = _ragflow_event(item, turn, base)
        if payload is not None and cumulative and item.kind is EventKind.DELTA:
            so_far += item.text
            payload["data"]["answer"] = so_far
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
