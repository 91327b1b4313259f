"""The ``ask_chat`` tool: one question to a chat assistant, answered whole (not streamed).

It is ``POST /chats/{chat_id}/completions`` with ``stream: false``: the body is read by the
route's own readers and answered by the same :class:`CompletionService` — the chat's datasets
searched, its prompt and model used, and the turn stored in the session given, or in a new
session created for it (its id is returned, to continue the conversation).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import Field

from ragloom.api.schemas.completions import completion_request, parse_messages
from ragloom.errors import DataError, RagloomError, RetCode
from ragloom.mcp.tools import Outcome, Tool, ToolArguments
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

REFERENCE_FIELDS = ("id", "document_id", "document_name", "dataset_id", "similarity", "content")
_SAMPLING = ("temperature", "top_p", "presence_penalty", "frequency_penalty", "max_tokens")


class AskChatArguments(ToolArguments):
    """Arguments of ``ask_chat``."""

    chat_id: str = Field(description="The chat assistant to ask (see list_chats).", min_length=1)
    question: str = Field(description="The question.", min_length=1)
    session_id: str | None = Field(
        None,
        description="The session (conversation) to continue; a new session is created when left out, "
        "and its id returned.",
    )
    document_ids: list[str] | None = Field(None, description="Answer only from these documents of the chat's datasets.")
    quote: bool | None = Field(
        None, description="Cite the chunks used as [ID:n] and return them (default: the chat's setting)."
    )
    variables: dict[str, Any] | None = Field(
        None, description="Values of the {parameters} of the chat's system prompt, by name."
    )
    temperature: float | None = Field(None, description="Override the chat's sampling temperature.")
    top_p: float | None = Field(None, description="Override the chat's top_p.")
    presence_penalty: float | None = Field(None, description="Override the chat's presence penalty.")
    frequency_penalty: float | None = Field(None, description="Override the chat's frequency penalty.")
    max_tokens: int | None = Field(None, description="Override the chat's answer length limit, in tokens.")


def ask_chat(services: Services, caller: Caller, arguments: dict[str, Any]) -> Outcome:
    """The chat's answer to the question, with the chunks it cites."""
    chat_id = arguments.get("chat_id")
    if not isinstance(chat_id, str) or not chat_id:
        raise DataError("`chat_id` is required.")
    question = arguments.get("question")
    if not isinstance(question, str) or not question.strip():
        raise DataError("`question` is required.")
    variables = arguments.get("variables") or {}
    if not isinstance(variables, dict):
        raise DataError("`variables` must be an object.")
    document_ids = arguments.get("document_ids")
    if document_ids is not None and not (
        isinstance(document_ids, list) and all(isinstance(item, str) for item in document_ids)
    ):
        raise DataError("`document_ids` should be a list")
    body: dict[str, Any] = {
        key: arguments[key] for key in ("question", "session_id", "quote", *_SAMPLING) if key in arguments
    }
    if document_ids:
        body["doc_ids"] = ",".join(document_ids)
    request = completion_request(body, parse_messages(body), chat_id)
    request = dataclasses.replace(request, variables=dict(variables))
    answer = services.completions.prepare(caller, request).answer()
    if answer.error is not None:
        raise RagloomError(answer.error, code=RetCode.SERVER_ERROR)
    chunks = (answer.reference or {}).get("chunks") or []
    references = [{key: chunk.get(key) for key in REFERENCE_FIELDS} for chunk in chunks]
    data = {
        "answer": answer.answer,
        "chat_id": answer.chat_id,
        "session_id": answer.session_id,
        "id": answer.id,
        "reference": {"chunks": references, "doc_aggs": (answer.reference or {}).get("doc_aggs") or []},
    }
    text = answer.answer
    if references:
        cited = [
            f"[ID:{number}] {chunk['document_name']} (chunk {chunk['id']})" for number, chunk in enumerate(references)
        ]
        text += "\n\nReferences:\n" + "\n".join(cited)
    return Outcome(data, f"{text}\n\n(session {answer.session_id})")


ASK_CHAT = Tool(
    name="ask_chat",
    title="Ask a chat assistant",
    description=(
        "Ask one of the tenant's chat assistants a question: it searches its datasets and answers with its "
        "model and prompt, citing the chunks it used. Returns the answer, its references (chunk ids, "
        "document names) and the session id; pass the session id again to continue the conversation."
    ),
    arguments=AskChatArguments,
    function=ask_chat,
    read_only=False,
)
