"""An OpenAI chat-completions request to a chat (contract §10.1).

The OpenAI client's ``extra_body=`` merges its keys into the top level of the request, while
RAGFlow reads only a key literally named ``extra_body``; both are read, the nested one winning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field

from ragloom.api.schemas.completions import ChatMessageFields, message_text
from ragloom.api.schemas.loose import CheckedBody, LooseModel, RequestContext, Sent
from ragloom.errors import ArgumentError, DataError
from ragloom.providers.chat import ChatMessage


class ReferenceOptions(LooseModel):
    """RAGFlow's own options, at the top level or under ``extra_body``."""

    reference: Sent[bool] = Field(None, description="Add the retrieved chunks to the answer.")
    reference_metadata: Sent[dict[str, Any]] = Field(None, description="`include` and `fields` of document metadata.")
    metadata_condition: Sent[dict[str, Any]] = None


@dataclass(frozen=True)
class OpenAIQuestion:
    """What the checks make of the request."""

    messages: list[ChatMessage]
    model: str
    reference: bool
    metadata_condition: dict[str, Any] | None
    include_metadata: bool
    metadata_fields: list[str] | None


class OpenAIChatRequest(ReferenceOptions, CheckedBody[OpenAIQuestion]):
    """OpenAI's ``/chat/completions`` body; ``model`` may be anything (``model`` means the chat's own)."""

    required_keys = ("model", "messages")

    model: Sent[str] = None
    messages: Sent[list[ChatMessageFields]] = Field(None, json_schema_extra={"minItems": 1})
    stream: Sent[bool] = None
    extra_body: Sent[ReferenceOptions] = None
    temperature: Sent[float] = None
    top_p: Sent[float] = None
    frequency_penalty: Sent[float] = None
    presence_penalty: Sent[float] = None
    max_tokens: Sent[int] = None

    def check(self, body: dict[str, Any], _context: RequestContext) -> OpenAIQuestion:
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
        return OpenAIQuestion(
            messages=messages,
            model=str(body["model"]),
            reference=reference,
            metadata_condition=condition,
            include_metadata=bool((metadata or {}).get("include", False)),
            metadata_fields=[str(field) for field in fields] if isinstance(fields, list) else None,
        )

    def streamed(self) -> bool:
        return bool(self.given().get("stream", False))


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
