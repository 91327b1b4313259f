"""Requests of ``/agents`` (AGENTS.md §1): agents, their sessions, and conversing with them.

Loose bodies and query strings, as RAGFlow reads them. An agent's own fields are checked by
:class:`~ragloom.services.agents.AgentService` (an update's after the stored agent is found, in
RAGFlow's order); a session's and a completion's here, before anything is read.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from ragloom.api.params import flag, page_and_size, query_int
from ragloom.api.schemas.loose import CheckedBody, LooseModel, QueryModel, RequestContext, Sent, SortedPageQuery
from ragloom.errors import ArgumentError, DataError
from ragloom.services.agent_runs import AgentRunRequest
from ragloom.services.agent_sessions import SessionListing
from ragloom.services.agents import AgentFields, AgentListing

MAX_PAGE_SIZE = 100
DSL = "The canvas: `components` (each `obj` with `component_name` and `params`, its links) and `graph`."


def text(value: Any) -> str:
    """A session name, user id or agent id as sent (``None``: empty)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ArgumentError("Session names, user ids and agent ids must be strings.")
    return value


# ---- agents -------------------------------------------------------------------------------------


class ListAgentsQuery(SortedPageQuery):
    """``GET /agents``: a page of the caller's agents (all of them when ``page`` or ``page_size`` is 0)."""

    keywords: Sent[str] = Field(None, description="In the title.")
    canvas_category: Sent[Literal["agent_canvas", "dataflow_canvas"]] = None
    owner_ids: Sent[list[str]] = Field(None, description="Only the caller's own tenant id is allowed.")

    def owners(self) -> list[str]:
        return [owner for value in self.given().get("owner_ids") or () for owner in str(value).split(",") if owner]

    def listing(self) -> AgentListing:
        params = self.given()
        listing = AgentListing(
            keywords=params.get("keywords") or None,
            canvas_category=params.get("canvas_category") or None,
            orderby=self.orderby_or("create_time"),
            desc=flag(params.get("desc"), default=True),
            page=max(query_int(params, "page", 0), 0),
            page_size=max(query_int(params, "page_size", 0), 0),
        )
        if listing.page_size > MAX_PAGE_SIZE:
            raise ArgumentError(f"page_size must be less than or equal to {MAX_PAGE_SIZE}")
        return listing


class AgentBody(LooseModel):
    """``PUT /agents/{id}``: only the keys sent change (``dsl`` saves a version)."""

    title: Sent[str] = Field(None, description="Unique per tenant and category, ignoring case; at most 255.")
    dsl: Sent[dict[str, Any] | str] = Field(None, description=DSL + " An object or its JSON text.")
    description: Sent[str] = None
    avatar: Sent[str] = None
    permission: Sent[Literal["me", "team"]] = None
    canvas_type: Sent[str] = None
    canvas_category: Sent[Literal["agent_canvas", "dataflow_canvas"]] = None
    release: Sent[bool] = Field(None, description="Publish this version (what `release` sessions run).")

    def fields(self) -> AgentFields:
        """The fields sent, for the service to check and apply."""
        names = {field.name for field in dataclasses.fields(AgentFields)} - {"sent"}
        given = {key: value for key, value in self.given().items() if key in names}
        return AgentFields(**given, sent=frozenset(given))


class NewAgentBody(AgentBody):
    """``POST /agents``: an agent from a canvas DSL."""

    required_keys = ("title", "dsl")


# ---- sessions -----------------------------------------------------------------------------------


class NewAgentSessionFields(LooseModel):
    """``POST /agents/{id}/sessions``, in the body or the query string (the body wins)."""

    name: Sent[str] = None
    user_id: Sent[str] = None
    release: Sent[bool] = Field(None, description="Run the newest published version instead of the draft.")


class NewAgentSessionQuery(NewAgentSessionFields, QueryModel):
    """``POST /agents/{id}/sessions``: what the body may say, also accepted in the query string."""


@dataclass(frozen=True)
class NewAgentSession:
    name: str
    user_id: str
    release: bool


def new_agent_session(query: NewAgentSessionQuery, body: NewAgentSessionFields) -> NewAgentSession:
    """The session asked for by the query string and the body together (the body wins)."""
    values = {**query.given(), **body.given()}
    return NewAgentSession(
        name=text(values.get("name")),
        user_id=text(values.get("user_id")),
        release=flag(values.get("release"), default=False),
    )


def _day(value: Any, *, end: bool = False) -> int | None:
    """``YYYY-MM-DD`` as epoch milliseconds (the day's first or last millisecond)."""
    if not value:
        return None
    try:
        day = datetime.datetime.strptime(str(value), "%Y-%m-%d").replace(tzinfo=datetime.UTC)
    except ValueError:
        raise ArgumentError(f"`{'to_date' if end else 'from_date'}` must be YYYY-MM-DD.") from None
    if end:
        day += datetime.timedelta(days=1, milliseconds=-1)
    return int(day.timestamp() * 1000)


class ListAgentSessionsQuery(SortedPageQuery):
    """``GET /agents/{id}/sessions``: a page of an agent's sessions, newest change first."""

    id: Sent[str] = Field(None, description="Only this session.")
    user_id: Sent[str] = None
    keywords: Sent[str] = Field(None, description="In the name.")
    from_date: Sent[str] = Field(None, description="YYYY-MM-DD: created on or after.")
    to_date: Sent[str] = Field(None, description="YYYY-MM-DD: created on or before.")
    dsl: Sent[bool] = Field(None, description="With each session's DSL (the default).")

    def listing(self) -> SessionListing:
        params = self.given()
        page, page_size = page_and_size(params)
        return SessionListing(
            session_id=params.get("id") or None,
            user_id=params.get("user_id") or None,
            keywords=params.get("keywords") or None,
            created_from=_day(params.get("from_date")),
            created_to=_day(params.get("to_date"), end=True),
            orderby=self.orderby_or("update_time"),
            desc=flag(params.get("desc"), default=True),
            page=page,
            page_size=page_size,
        )

    def with_dsl(self) -> bool:
        return flag(self.given().get("dsl"), default=True)


class DeleteAgentSessionsBody(CheckedBody[list[str] | None]):
    """``DELETE /agents/{id}/sessions``: these sessions, or all of them with ``delete_all``."""

    ids: Sent[list[str]] = None
    delete_all: Sent[bool] = None

    def check(self, body: dict[str, Any], _context: RequestContext) -> list[str] | None:
        ids = body.get("ids")
        if ids is not None and (not isinstance(ids, list) or not all(isinstance(item, str) for item in ids)):
            raise ArgumentError("`ids` must be a list of session ids.")
        return ids

    def everything(self) -> bool:
        return flag(self.given().get("delete_all"), default=False)


# ---- completions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenAIAgentTurn:
    """A turn asked for in OpenAI's shape, and how to answer it."""

    request: AgentRunRequest
    question: str
    stream: bool
    reference: bool


OPENAI_TRUE = (True, "true", "True", "1", 1)


def openai_turn(body: dict[str, Any], agent_id: str) -> OpenAIAgentTurn:
    """An OpenAI-style body: the last user message is the question, ``stream`` defaults to false,
    the session comes from ``session_id``, ``id`` or ``metadata.id`` (none: a new one)."""
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
    request = AgentRunRequest(
        agent_id=agent_id or str(body.get("agent_id") or ""),
        query=question,
        session_id=str(session_id) if session_id else None,
        inputs=inputs if isinstance(inputs, dict) else {},
        user_id=str(body.get("user_id") or ""),
        release=body.get("release") in OPENAI_TRUE,
        new_session_source="agent",
    )
    return OpenAIAgentTurn(request, question, body.get("stream") in OPENAI_TRUE, bool(body.get("reference")))


def run_request(body: dict[str, Any]) -> AgentRunRequest:
    """A completion body (RAGFlow's keys) as a run request."""
    query = body.get("query", body.get("question"))
    if query is not None and not isinstance(query, str):
        raise ArgumentError("`query` must be a string.")
    inputs = body.get("inputs") or {}
    if not isinstance(inputs, dict):
        raise ArgumentError("`inputs` must be an object.")
    files = body.get("files") or []
    if not isinstance(files, list):
        raise ArgumentError("`files` must be a list.")
    return AgentRunRequest(
        agent_id=text(body.get("agent_id")),
        query=query or "",
        session_id=text(body.get("session_id")) or None,
        inputs=inputs,
        files=files,
        user_id=text(body.get("user_id")),
        release=flag(body.get("release"), default=False),
        return_trace=flag(body.get("return_trace"), default=False),
    )


class OpenAIMessageFields(LooseModel):
    role: Sent[Literal["user", "assistant", "system"]] = None
    content: Sent[str] = None


class OpenAIAgentBody(CheckedBody[OpenAIAgentTurn]):
    """``POST /agents_openai/{agent_id}/chat/completions``: a turn in OpenAI's shape."""

    required_keys = ("messages",)

    messages: Sent[list[OpenAIMessageFields]] = Field(None, json_schema_extra={"minItems": 1})
    model: Sent[str] = Field(None, description="Ignored: the agent answers.")
    stream: Sent[bool] = Field(None, description="chat.completion.chunk events (default false).")
    reference: Sent[bool] = Field(None, description="With the retrieved chunks.")
    session_id: Sent[str] = Field(None, description="The session to continue (also `id` or `metadata.id`).")
    id: Sent[str] = None
    metadata: Sent[dict[str, Any]] = None
    inputs: Sent[dict[str, Any]] = Field(None, description="Values for the Begin component's inputs.")
    user_id: Sent[str] = None
    release: Sent[bool] = None

    def check(self, body: dict[str, Any], context: RequestContext) -> OpenAIAgentTurn:
        return openai_turn(body, context.path.get("agent_id", ""))


@dataclass(frozen=True)
class AgentTurn:
    """A completion request: a run in RAGFlow's shape, or (``openai-compatible``) in OpenAI's."""

    ragflow: AgentRunRequest | None = None
    openai: OpenAIAgentTurn | None = None
    stream: bool = True


class AgentCompletionBody(CheckedBody[AgentTurn]):
    """``POST /agents/chat/completions``: a turn with an agent (``agent_id``; on the legacy path,
    the path's), in a session or a new ``workflow`` one. With ``"openai-compatible": true`` the
    body is OpenAI's (``messages``) and so is the answer."""

    agent_id: Sent[str] = None
    query: Sent[str] = Field(None, description="The question (also `question`).")
    question: Sent[str] = None
    session_id: Sent[str] = Field(None, description="The session to continue; a new one when left out.")
    inputs: Sent[dict[str, Any]] = Field(None, description="Values for the Begin component's inputs.")
    files: Sent[list[Any]] = None
    user_id: Sent[str] = None
    release: Sent[bool] = Field(None, description="Run the newest published version (a new session).")
    return_trace: Sent[bool] = None
    stream: Sent[bool] = Field(None, description="RAGFlow's agent events (the default), then `[DONE]`.")
    openai_compatible: Sent[bool] = Field(None, alias="openai-compatible", description="Answer in OpenAI's shape.")
    messages: Sent[list[OpenAIMessageFields]] = Field(None, description="With `openai-compatible`: the conversation.")

    def check(self, body: dict[str, Any], context: RequestContext) -> AgentTurn:
        agent_id = body.get("agent_id") or context.path.get("agent_id")
        if agent_id is not None:
            body = {**body, "agent_id": agent_id}
        if flag(body.get("openai-compatible"), default=False):
            return AgentTurn(openai=openai_turn(body, str(body.get("agent_id") or "")))
        return AgentTurn(ragflow=run_request(body), stream=flag(body.get("stream"), default=True))
