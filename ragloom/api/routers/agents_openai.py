"""An agent behind OpenAI's chat-completions shape (AGENTS.md §1.5).

``POST /agents_openai/{agent_id}/chat/completions``, or ``"openai-compatible": true`` on
``/agents/chat/completions``: the last user message is the question, ``stream`` defaults to
false, the session comes from ``session_id``, ``id`` or ``metadata.id`` — without one a new
session is opened (honouring ``release``). Answers are OpenAI's ``chat.completion`` (not wrapped
in RAGFlow's envelope), or ``chat.completion.chunk`` events ending with ``data: [DONE]``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Response

from ragloom.api import sse
from ragloom.api.deps import CurrentCaller, LooseBody, ServicesDep
from ragloom.api.envelopes import Envelope, EnvelopeResponse, failure
from ragloom.api.routing import EnvelopeRoute, envelope
from ragloom.errors import DataError, RetCode
from ragloom.nlp.token_count import count_tokens
from ragloom.services.agent_runs import AgentRun, AgentRunError, AgentRunRequest
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

router = APIRouter(tags=["agents"], route_class=EnvelopeRoute)


@router.post("/agents_openai/{agent_id}/chat/completions", summary="Converse with an agent in OpenAI's shape")
@envelope(Envelope.R)
def agents_openai(agent_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return openai_completion(caller, services, body, agent_id)


def openai_completion(caller: Caller, services: Services, body: dict[str, Any], agent_id: str) -> Response:
    """Run one turn from an OpenAI-style body and answer in OpenAI's shape."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise DataError("You must provide at least one message.")
    question = next(
        (
            str(item.get("content") or "")
            for item in reversed(messages)
            if isinstance(item, dict) and item.get("role") == "user"
        ),
        "",
    )
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    inputs = body.get("inputs")
    session_id = body.get("session_id") or body.get("id") or metadata.get("id")
    release = body.get("release") in (True, "true", "True", "1", 1)
    request = AgentRunRequest(
        agent_id=agent_id or str(body.get("agent_id") or ""),
        query=question,
        session_id=str(session_id) if session_id else None,
        inputs=inputs if isinstance(inputs, dict) else {},
        user_id=str(body.get("user_id") or ""),
        release=release,
        new_session_source="agent",
    )
    run = services.agent_runs.prepare(caller, request)
    if body.get("stream") in (True, "true", "True", "1", 1):
        return sse.stream(_chunks(run, question, with_reference=bool(body.get("reference"))))
    try:
        result = run.result()
    except AgentRunError as error:
        return failure(Envelope.J, int(RetCode.SERVER_ERROR), str(error), False)
    data = result.get("data", {}) if isinstance(result.get("data"), dict) else {}
    content = str(data.get("content", ""))
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if body.get("reference") and data.get("reference"):
        message["reference"] = data["reference"]
    return EnvelopeResponse(
        {
            "id": run.message_id,
            "object": "chat.completion",
            "created": None,
            "model": request.agent_id,
            "param": None,
            "usage": _usage(question, content),
            "choices": [{"message": message, "logprobs": None, "finish_reason": "stop", "index": 0}],
        }
    )


def _chunks(run: AgentRun, question: str, *, with_reference: bool) -> Iterator[bytes]:
    written: list[str] = []
    reference: Any = None
    for event in run.events():
        if event["event"] == "error":
            yield sse.event({"code": 500, "message": event["data"]["message"], "data": False})
            break
        if event["event"] == "message_end" and event["data"].get("reference"):
            reference = event["data"]["reference"]
        if event["event"] != "message" or not event["data"].get("content"):
            continue
        written.append(event["data"]["content"])
        yield sse.event(_chunk(run, {"role": "assistant", "content": event["data"]["content"]}, None))
    final: dict[str, Any] = {"content": ""}
    if with_reference and reference:
        final["reference"] = reference
    last = _chunk(run, final, "stop")
    last["usage"] = _usage(question, "".join(written))
    yield sse.event(last)
    yield b"data: [DONE]\n\n"


def _chunk(run: AgentRun, delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    return {
        "id": run.message_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": run.request.agent_id,
        "choices": [{"delta": delta, "finish_reason": finish_reason, "index": 0}],
    }


def _usage(question: str, answer: str) -> dict[str, Any]:
    prompt, completion = count_tokens(question), count_tokens(answer)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }
