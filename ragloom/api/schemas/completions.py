"""A question to a chat (contract §9.7): ``/chats/{chat_id}/completions`` and ``/chat/completions``.

Loose: the keys below are read, every other key is a value for a ``{parameter}`` of the
system prompt, and the checks are RAGFlow's, in its order.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ragloom.api.params import flag, in_range
from ragloom.api.schemas.loose import CheckedBody, LooseModel, RequestContext, Sent
from ragloom.errors import ArgumentError
from ragloom.providers.chat import ChatMessage, GenerationOptions
from ragloom.services.completions import CompletionRequest

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
    "legacy",
    *SAMPLING_KEYS,
}


class ChatMessageFields(LooseModel):
    """One message of a conversation; ``content`` may also be OpenAI's list of content parts."""

    required_keys = ("role", "content")

    role: Sent[str] = Field(None, json_schema_extra={"enum": ["user", "assistant", "system"]})
    content: Sent[str] = None
    id: Sent[str] = None


class CompletionBody(CheckedBody[CompletionRequest]):
    """Ask a chat (or, on ``/chat/completions`` without ``chat_id``, the default chat model)."""

    required_one_of = ("messages", "question")

    messages: Sent[list[ChatMessageFields]] = Field(
        None, description="The conversation; the last is the user's.", json_schema_extra={"minItems": 1}
    )
    question: Sent[str] = Field(None, description="One question, instead of `messages`.")
    chat_id: Sent[str] = None
    session_id: Sent[str] = Field(None, description="The session to continue; a new one when left out.")
    conversation_id: Sent[str] = None
    stream: Sent[bool] = Field(None, description="Server-sent events (the default) or one answer.")
    legacy: Sent[bool] = Field(
        None, description="Stream each event's `answer` as the whole answer so far, as older RAGFlow did."
    )
    llm_id: Sent[str] = None
    pass_all_history_messages: Sent[bool] = None
    pass_all_history: Sent[bool] = None
    quote: Sent[bool] = None
    doc_ids: Sent[str] = Field(None, description="Comma-separated document ids to retrieve from.")
    files: Sent[list[str]] = None
    temperature: Sent[float] = None
    top_p: Sent[float] = None
    frequency_penalty: Sent[float] = None
    presence_penalty: Sent[float] = None
    max_tokens: Sent[int] = None

    def check(self, body: dict[str, Any], context: RequestContext) -> CompletionRequest:
        chat_id = body.get("chat_id") or context.path.get("chat_id")
        return completion_request(body, parse_messages(body), chat_id)

    def streamed(self) -> bool:
        return flag(self.given().get("stream"), default=True)

    def cumulative(self) -> bool:
        return flag(self.given().get("legacy"), default=False)


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


def message_text(content: Any) -> str:
    """A message's text: a string as it is, or the ``text`` parts of an OpenAI-style content list joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return "" if content is None else str(content)
