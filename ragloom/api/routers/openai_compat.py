"""OpenAI-compatible chat completions over a chat (contract §10.1).

``OpenAI(base_url=".../api/v1/openai/<chat_id>")`` works unchanged, streamed or not. The
OpenAI client's ``extra_body=`` merges its keys into the top level of the request, while
RAGFlow reads only a key literally named ``extra_body``; both are read here, the nested
one winning. Nothing is stored: the client sends the whole conversation every time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Response

from ragloom.api import sse
from ragloom.api.deps import CurrentCaller, LooseBody, ServicesDep
from ragloom.api.envelopes import Envelope, EnvelopeResponse, failure
from ragloom.api.routers.completions import message_text, sampling_options
from ragloom.api.routing import EnvelopeRoute, envelope
from ragloom.errors import ArgumentError, AuthorizationError, DataError
from ragloom.nlp.token_count import count_tokens
from ragloom.providers.catalog import ModelId, ModelKind
from ragloom.providers.chat import ChatMessage
from ragloom.services.answers import Answer, EventKind
from ragloom.services.completions import CompletionRequest, Turn
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

router = APIRouter(tags=["openai"], route_class=EnvelopeRoute)


@router.post("/openai/{chat_id}/chat/completions", summary="OpenAI-compatible chat completions")
@envelope(Envelope.J)
def openai_completions(chat_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return _complete(caller, services, body, chat_id)


@router.post("/chats_openai/{chat_id}/chat/completions", summary="OpenAI-compatible chat completions (alias)")
@envelope(Envelope.J)
def chats_openai_completions(chat_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return _complete(caller, services, body, chat_id)


def _complete(caller: Caller, services: Services, body: dict[str, Any], chat_id: str) -> Response:
    missing = [key for key in ("model", "messages") if not body.get(key) and body.get(key) != []]
    if missing:
        raise ArgumentError(f"required argument are missing: {','.join(missing)}; ")
    extra = _extra(body)
    messages = _messages(body["messages"])
    reference = bool(extra.get("reference", False))
    metadata = _object_or_none(extra.get("reference_metadata"), "reference_metadata must be an object.")
    fields = (metadata or {}).get("fields")
    if fields is not None and not isinstance(fields, list):
        raise DataError("reference_metadata.fields must be an array.")
    condition = _object_or_none(extra.get("metadata_condition"), "metadata_condition must be an object.")
    model = str(body["model"])
    request = CompletionRequest(
        messages=messages,
        chat_id=chat_id,
        llm_id=None if model == "model" else _usable_model(services, caller, model),
        options=sampling_options(body),
        pass_all_history=True,
        metadata_condition=condition,
        include_metadata=bool((metadata or {}).get("include", False)),
        metadata_fields=[str(field) for field in fields] if isinstance(fields, list) else None,
        persist=False,
    )
    try:
        turn = services.completions.prepare(caller, request)
    except AuthorizationError:
        return failure(Envelope.J, 102, f"You don't own the chat {chat_id}")
    echoed = (
        model if model != "model" else (turn.chat.llm_id if turn.chat and turn.chat.llm_id else turn.model.model_id)
    )
    created = int(time.time())
    prompt_tokens = count_tokens(messages[-1].content)
    if bool(body.get("stream", False)):
        return sse.stream(_chunks(turn, echoed, created, prompt_tokens, reference))
    answer = turn.answer()
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
            yield chunk({"content": f"**ERROR**: {item.text}"})
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


def _extra(body: dict[str, Any]) -> dict[str, Any]:
    nested = body.get("extra_body")
    if nested is not None and not isinstance(nested, dict):
        raise DataError("extra_body must be an object.")
    merged: dict[str, Any] = {
        key: body[key] for key in ("reference", "reference_metadata", "metadata_condition") if key in body
    }
    merged.update(nested or {})
    return merged


def _object_or_none(value: Any, message: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DataError(message)
    return value


def _messages(raw: Any) -> list[ChatMessage]:
    if not isinstance(raw, list):
        raise DataError("messages must be an array.")
    if not raw:
        raise DataError("You have to provide messages.")
    parsed = []
    for item in raw:
        if not isinstance(item, dict):
            raise DataError("Each message must be an object.")
        content = item.get("content")
        if isinstance(content, list):
            content = message_text(content)
        elif not isinstance(content, str):
            raise DataError("messages[].content must be a string or an array of content parts.")
        parsed.append((item.get("role"), content))
    if parsed[-1][0] != "user":
        raise DataError("The last content of this conversation is not from user.")
    kept = [ChatMessage(role, content) for role, content in parsed if role in ("user", "assistant")]
    while kept and kept[0].role != "user":
        kept.pop(0)
    return kept


def _usable_model(services: Services, caller: Caller, model: str) -> str:
    if services.models.find(model, ModelKind.CHAT, caller.tenant_id) is not None:
        return model
    try:
        factory = ModelId.parse(model).factory.lower()
    except ValueError:
        raise ArgumentError(f"`llm_id` {model} doesn't exist") from None
    if factory not in {name.lower() for name in services.models.remote_factories} and factory != "builtin":
        raise ArgumentError(f"`llm_id` {model} doesn't exist")
    raise DataError(f"Cannot use specified model {model}.")
