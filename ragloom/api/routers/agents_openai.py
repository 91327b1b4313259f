"""An agent behind OpenAI's chat-completions shape (AGENTS.md §1.5).

``POST /agents_openai/{agent_id}/chat/completions``, or ``"openai-compatible": true`` on
``/agents/chat/completions``: the last user message is the question, ``stream`` defaults to
false, the session comes from ``session_id``, ``id`` or ``metadata.id`` — without one a new
session is opened (honouring ``release``); see :func:`ragloom.api.schemas.agents.openai_turn`.
Answers are OpenAI's ``chat.completion`` (not wrapped in RAGFlow's envelope), or
``chat.completion.chunk`` events ending with ``data: [DONE]``. A run that fails is OpenAI's error
object (HTTP 500), or mid-stream an ``{"error": …}`` event, so OpenAI's clients raise; the
dedicated route refuses bad requests with OpenAI's error object too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from fastapi import Response

from ragloom.api import sse
from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, EnvelopeResponse, failure, openai_error
from ragloom.api.inputs import LooseBody
from ragloom.api.routing import Events, Success, api_router, envelope
from ragloom.api.schemas.agents import OpenAIAgentBody, OpenAIAgentTurn
from ragloom.errors import RetCode
from ragloom.nlp.token_count import count_tokens
from ragloom.services.agent_runs import AgentRun, AgentRunError
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

router = api_router(tags=["agents"])
OPENAI_COMPLETION = "an OpenAI chat.completion object, or chat.completion.chunk events when streamed"


@router.post("/agents_openai/{agent_id}/chat/completions", summary="Converse with an agent in OpenAI's shape")
@envelope(Envelope.O, success=Success.BARE, raw=OPENAI_COMPLETION, streams=True, events=Events.OPENAI)
def agents_openai(
    agent_id: str,  # noqa: ARG001 -- the body reads it
    caller: CurrentCaller,
    services: ServicesDep,
    body: LooseBody[OpenAIAgentBody],
) -> Response:
    return openai_completion(caller, services, body.checked)


def openai_completion(caller: Caller, services: Services, turn: OpenAIAgentTurn) -> Response:
    """Run one turn asked for in OpenAI's shape and answer in OpenAI's shape."""
    request, question = turn.request, turn.question
    run = services.agent_runs.prepare(caller, request)
    if turn.stream:
        return sse.stream(_chunks(run, question, with_reference=turn.reference))
    try:
        result = run.result()
    except AgentRunError as error:
        return failure(Envelope.O, int(RetCode.SERVER_ERROR), str(error))
    data = result.get("data", {}) if isinstance(result.get("data"), dict) else {}
    content = str(data.get("content", ""))
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if turn.reference and data.get("reference"):
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
            yield sse.event(openai_error(int(RetCode.SERVER_ERROR), str(event["data"]["message"]), 500))
            yield sse.raw_event("[DONE]")
            return
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
