"""OpenAI-compatible chat completions over a chat (contract §10.1).

``OpenAI(base_url=".../api/v1/openai/<chat_id>")`` works unchanged, streamed or not (the
request: :mod:`ragloom.api.schemas.openai`). Nothing is stored: the client sends the whole
conversation every time. ``model`` may be any value, as RAGFlow's reference says: a chat model
the tenant can use answers, anything else means the chat's own model. A refusal is OpenAI's error
object with an HTTP error status, and a failure mid-stream an ``{"error": …}`` event, so OpenAI's
clients raise on both (RAGFlow answers HTTP 200 with its own envelope, which they take for an
empty answer).
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
from ragloom.api.schemas.completions import sampling_options
from ragloom.api.schemas.openai import OpenAIChatRequest
from ragloom.errors import AuthorizationError, RetCode
from ragloom.nlp.token_count import count_tokens
from ragloom.providers.catalog import ModelKind
from ragloom.services.answers import Answer, EventKind
from ragloom.services.completions import CompletionRequest, Turn
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

router = api_router(tags=["openai"])
OPENAI_COMPLETION = "an OpenAI chat.completion object, or chat.completion.chunk events when streamed"


@router.post("/openai/{chat_id}/chat/completions", summary="OpenAI-compatible chat completions")
@envelope(Envelope.O, success=Success.BARE, raw=OPENAI_COMPLETION, streams=True, events=Events.OPENAI)
def openai_completions(
    chat_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[OpenAIChatRequest]
) -> Response:
    return _complete(caller, services, body, chat_id)


@router.post(
    "/chats_openai/{chat_id}/chat/completions", summary="OpenAI-compatible chat completions (alias)", deprecated=True
)
@envelope(Envelope.O, success=Success.BARE, raw=OPENAI_COMPLETION, streams=True, events=Events.OPENAI)
def chats_openai_completions(
    chat_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[OpenAIChatRequest]
) -> Response:
    return _complete(caller, services, body, chat_id)


def _complete(caller: Caller, services: Services, body: OpenAIChatRequest, chat_id: str) -> Response:
    question = body.checked
    model = question.model
    messages = question.messages
    reference = question.reference
    request = CompletionRequest(
        messages=messages,
        chat_id=chat_id,
        llm_id=_usable_model(services, caller, model),
        options=sampling_options(body.given()),
        pass_all_history=True,
        metadata_condition=question.metadata_condition,
        include_metadata=question.include_metadata,
        metadata_fields=question.metadata_fields,
        persist=False,
    )
    try:
        turn = services.completions.prepare(caller, request)
    except AuthorizationError:
        return failure(Envelope.O, 102, f"You don't own the chat {chat_id}", status_code=404)
    echoed = turn.model.model_id
    created = int(time.time())
    prompt_tokens = count_tokens(messages[-1].content)
    if body.streamed():
        return sse.stream(_chunks(turn, echoed, created, prompt_tokens, reference))
    answer = turn.answer()
    if answer.error is not None:
        return failure(Envelope.O, int(RetCode.SERVER_ERROR), answer.error)
    completion_tokens = count_tokens(answer.answer)
    message: dict[str, Any] = {"role": "assistant", "content": answer.answer}
    if answer.reasoning:
        message["reasoning_content"] = answer.reasoning
    if reference:
        message["reference"] = answer.chunks
    return EnvelopeResponse(
        {
            "id": f"chatcmpl-{chat_id}",
            "object": "chat.completion",
            "created": created,
            "model": echoed,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "completion_tokens_details": {
                    "reasoning_tokens": count_tokens(answer.reasoning),
                    "accepted_prediction_tokens": completion_tokens,
                    "rejected_prediction_tokens": 0,
                },
            },
            "choices": [{"message": message, "logprobs": None, "finish_reason": "stop", "index": 0}],
        }
    )


def _chunks(turn: Turn, model: str, created: int, prompt_tokens: int, reference: bool) -> Iterator[bytes]:
    chat_id = turn.chat.id if turn.chat is not None else ""

    def chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
        body = {
            "id": f"chatcmpl-{chat_id}",
            "choices": [
                {
                    "delta": {
                        "content": None,
                        "role": "assistant",
                        "function_call": None,
                        "tool_calls": None,
                        "reasoning_content": None,
                        **delta,
                    },
                    "finish_reason": finish,
                    "index": 0,
                    "logprobs": None,
                }
            ],
            "created": created,
            "model": model,
            "object": "chat.completion.chunk",
            "system_fingerprint": "",
            "usage": usage,
        }
        return sse.event(body)

    final: Answer | None = None
    for item in turn.events():
        if item.kind is EventKind.DELTA:
            yield chunk({"content": item.text})
        elif item.kind is EventKind.REASONING:
            yield chunk({"reasoning_content": item.text})
        elif item.kind is EventKind.ERROR:
            yield sse.event(openai_error(int(RetCode.SERVER_ERROR), item.text, 500))
            yield sse.raw_event("[DONE]")
            return
        elif item.kind is EventKind.FINAL:
            final = item.answer
    assert final is not None
    if final.error is None and final.answer and turn.empty_response is not None:
        yield chunk({"content": final.answer})  # the empty-retrieval text was never streamed
    completion_tokens = count_tokens(final.answer)
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    last: dict[str, Any] = {}
    if reference:
        last = {"reference": final.chunks, "final_content": final.answer}
    yield chunk(last, "stop", usage)
    yield sse.raw_event("[DONE]")


def _usable_model(services: Services, caller: Caller, model: str) -> str | None:
    """The chat model ``model`` names when the tenant can use it, else ``None``: the chat's own."""
    return model if services.models.find(model, ModelKind.CHAT, caller.tenant_id) is not None else None
