"""``/agents``: agents, their sessions and versions, and conversing with them (AGENTS.md §1).

Envelopes follow RAGFlow: agent routes answer J (``code``, ``message``, ``data``), session routes
R (no ``message`` on success), the session list J with ``total`` beside ``data``. Completions
stream ``data:`` lines of events and end with ``data:[DONE]``; a run that fails sends RAGFlow's
``{"code":500,"message":…,"data":false}`` line before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request, Response

from ragloom.api import sse
from ragloom.api.deps import CurrentCaller, LooseBody, ServicesDep
from ragloom.api.envelopes import Envelope, EnvelopeResponse, failure, success
from ragloom.api.params import flag, page_and_size, query_int
from ragloom.api.routing import EnvelopeRoute, envelope
from ragloom.clock import http_date
from ragloom.errors import ArgumentError, RetCode
from ragloom.services.agent_access import AgentPermissionError
from ragloom.services.agent_runs import AgentRun, AgentRunError, AgentRunRequest
from ragloom.services.agent_sessions import SessionListing, session_public
from ragloom.services.agents import AgentListing, AgentView
from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from ragloom.storage.metadata.tables import AgentSession, AgentVersion

router = APIRouter(tags=["agents"], route_class=EnvelopeRoute)


# ---- agents -------------------------------------------------------------------------------------


@router.get("/agents", summary="List the caller's agents")
@envelope(Envelope.J)
def list_agents(request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    params = request.query_params
    owners = [owner for value in params.getlist("owner_ids") for owner in value.split(",") if owner]
    if any(owner != caller.tenant_id for owner in owners):
        raise AgentPermissionError("Only authorized owner_ids can be queried.")
    listing = AgentListing(
        keywords=params.get("keywords") or None,
        canvas_category=params.get("canvas_category") or None,
        orderby=params.get("orderby") or "create_time",
        desc=flag(params.get("desc"), default=True),
        page=max(query_int(params, "page", 0), 0),
        page_size=max(query_int(params, "page_size", 0), 0),
    )
    if listing.page_size > 100:
        raise ArgumentError("page_size must be less than or equal to 100")
    agents, total = services.agents.page(caller, listing)
    return success(Envelope.J, {"canvas": [_agent_item(view) for view in agents], "total": total})


@router.post("/agents", summary="Create an agent from a canvas DSL")
@envelope(Envelope.J)
def create_agent(caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return success(Envelope.J, _agent(services.agents.create(caller, body)))


@router.get("/agents/templates", summary="Agent templates that ship with ragloom")
@envelope(Envelope.J)
def agent_templates(_caller: CurrentCaller) -> Response:
    from ragloom.agents.templates_catalog import templates

    return success(Envelope.J, templates())


@router.get("/agents/prompts", summary="The prompts agents use for planning, reflection and citations")
@envelope(Envelope.J)
def agent_prompts(_caller: CurrentCaller) -> Response:
    from ragloom.agents.prompts import public_prompts

    return success(Envelope.J, public_prompts())


@router.get("/agents/{agent_id}", summary="One agent with its DSL")
@envelope(Envelope.J)
def get_agent(agent_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.J, _agent(services.agents.get(caller, agent_id)))


@router.put("/agents/{agent_id}", summary="Change an agent (title, description, DSL, release …)")
@envelope(Envelope.J)
def update_agent(agent_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    services.agents.update(caller, agent_id, body)
    return success(Envelope.J, True)


@router.delete("/agents/{agent_id}", summary="Delete an agent with its sessions")
@envelope(Envelope.J)
def delete_agent(agent_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    services.agents.delete(caller, agent_id)
    return success(Envelope.J, True)


@router.get("/agents/{agent_id}/versions", summary="An agent's saved versions, newest first")
@envelope(Envelope.J)
def list_versions(agent_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.J, [_version(version, dsl=False) for version in services.agents.versions(caller, agent_id)])


@router.get("/agents/{agent_id}/versions/{version_id}", summary="One saved version with its DSL")
@envelope(Envelope.J)
def get_version(agent_id: str, version_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.J, _version(services.agents.version(caller, agent_id, version_id), dsl=True))


@router.get("/agents/{agent_id}/logs/{message_id}", summary="What one run's components did")
@envelope(Envelope.J)
def run_log(agent_id: str, message_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.J, services.agent_runs.log(caller, agent_id, message_id) or {})


# ---- sessions -----------------------------------------------------------------------------------


@router.post("/agents/{agent_id}/sessions", summary="Open a session with an agent")
@envelope(Envelope.R)
def create_session(
    agent_id: str, request: Request, caller: CurrentCaller, services: ServicesDep, body: LooseBody
) -> Response:
    values = {**request.query_params, **body}
    session = services.agent_sessions.create(
        caller,
        agent_id,
        name=_text(values.get("name")),
        user_id=_text(values.get("user_id")),
        release=flag(values.get("release"), default=False),
    )
    return success(Envelope.R, session_public(session))


@router.get("/agents/{agent_id}/sessions", summary="An agent's sessions")
@envelope(Envelope.R)
def list_sessions(agent_id: str, request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    params = request.query_params
    page, page_size = page_and_size(params)
    listing = SessionListing(
        session_id=params.get("id") or None,
        user_id=params.get("user_id") or None,
        keywords=params.get("keywords") or None,
        created_from=_day(params.get("from_date")),
        created_to=_day(params.get("to_date"), end=True),
        orderby=params.get("orderby") or "update_time",
        desc=flag(params.get("desc"), default=True),
        page=page,
        page_size=page_size,
    )
    sessions, total = services.agent_sessions.page(caller, agent_id, listing)
    with_dsl = flag(params.get("dsl"), default=True)
    data = [session_public(session, with_dsl=with_dsl) for session in sessions]
    return EnvelopeResponse({"code": 0, "message": "success", "data": data, "total": total})


@router.delete("/agents/{agent_id}/sessions", summary="Delete some or all of an agent's sessions")
@envelope(Envelope.R)
def delete_sessions(agent_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    ids = body.get("ids")
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(item, str) for item in ids)):
        raise ArgumentError("`ids` must be a list of session ids.")
    deleted, errors = services.agent_sessions.delete(caller, agent_id, ids, flag(body.get("delete_all"), default=False))
    if errors:
        return success(Envelope.R, {"success_count": deleted, "errors": errors})
    return success(Envelope.R)


@router.get("/agents/{agent_id}/sessions/{session_id}", summary="One session as stored")
@envelope(Envelope.R)
def get_session(agent_id: str, session_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, _raw_session(services.agent_sessions.get(caller, agent_id, session_id)))


@router.delete("/agents/{agent_id}/sessions/{session_id}", summary="Delete one session")
@envelope(Envelope.R)
def delete_session(agent_id: str, session_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, services.agent_sessions.delete_one(caller, agent_id, session_id))


# ---- completions --------------------------------------------------------------------------------


@router.post("/agents/chat/completions", summary="Converse with an agent")
@envelope(Envelope.R)
def agent_completions(caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return _converse(caller, services, body)


@router.post("/agents/chat/completion", summary="Converse with an agent (RAGFlow v0.26's singular alias)")
@envelope(Envelope.R)
def agent_completion(caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return _converse(caller, services, body)


@router.post("/agents/{agent_id}/completions", summary="Converse with an agent (legacy path)")
@envelope(Envelope.R)
def legacy_agent_completions(agent_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return _converse(caller, services, {**body, "agent_id": body.get("agent_id") or agent_id})


def _converse(caller: Caller, services: Services, body: dict[str, Any]) -> Response:
    if flag(body.get("openai-compatible"), default=False):
        from ragloom.api.routers.agents_openai import openai_completion

        return openai_completion(caller, services, body, str(body.get("agent_id") or ""))
    run = services.agent_runs.prepare(caller, run_request(body))
    if flag(body.get("stream"), default=True):
        return sse.stream(ragflow_stream(run))
    try:
        result = run.result()
    except AgentRunError as error:
        return failure(Envelope.J, int(RetCode.SERVER_ERROR), str(error), False)
    return success(Envelope.R, result)


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
    session_id = body.get("session_id")
    return AgentRunRequest(
        agent_id=_text(body.get("agent_id")),
        query=query or "",
        session_id=_text(session_id) or None,
        inputs=inputs,
        files=files,
        user_id=_text(body.get("user_id")),
        release=flag(body.get("release"), default=False),
        return_trace=flag(body.get("return_trace"), default=False),
    )


def ragflow_stream(run: AgentRun) -> Iterator[bytes]:
    """A run's events as RAGFlow's agent stream frames them."""
    for event in run.events():
        if event["event"] == "error":
            yield sse.event({"code": 500, "message": event["data"]["message"], "data": False})
        else:
            yield sse.event(event)
    yield sse.raw_event("[DONE]")


# ---- shapes -------------------------------------------------------------------------------------


def _agent_item(view: AgentView) -> dict[str, Any]:
    agent = view.record
    return {
        "id": agent.id,
        "avatar": agent.avatar,
        "title": agent.title,
        "description": agent.description,
        "permission": agent.permission,
        "tenant_id": agent.tenant_id,
        "nickname": view.nickname,
        "tenant_avatar": "",
        "canvas_type": agent.canvas_type,
        "canvas_category": agent.canvas_category,
        "tags": agent.tags,
        "release": agent.release,
        "release_time": agent.last_publish_time,
        "create_time": agent.create_time,
        "update_time": agent.update_time,
    }


def _agent(view: AgentView) -> dict[str, Any]:
    agent = view.record
    return {
        **_agent_item(view),
        "dsl": agent.dsl,
        "user_id": agent.tenant_id,
        "create_date": http_date(agent.create_time),
        "update_date": http_date(agent.update_time),
        "last_publish_time": agent.last_publish_time,
    }


def _version(version: AgentVersion, *, dsl: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": version.id,
        "user_canvas_id": version.agent_id,
        "title": version.title,
        "release": version.release,
        "create_time": version.create_time,
        "create_date": http_date(version.create_time),
    }
    if dsl:
        shown["dsl"] = version.dsl
    return shown


def _raw_session(session: AgentSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "dialog_id": session.agent_id,
        "agent_id": session.agent_id,
        "user_id": session.user_id,
        "exp_user_id": session.exp_user_id,
        "name": session.name,
        "message": session.messages,
        "reference": session.reference,
        "source": session.source,
        "dsl": session.dsl,
        "errors": session.errors,
        "version_title": session.version_title,
        "create_time": session.create_time,
        "create_date": http_date(session.create_time),
        "update_time": session.update_time,
        "update_date": http_date(session.update_time),
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ArgumentError("Session names, user ids and agent ids must be strings.")
    return value


def _day(value: str | None, *, end: bool = False) -> int | None:
    """``YYYY-MM-DD`` as epoch milliseconds (the day's first or last millisecond)."""
    if not value:
        return None
    import datetime

    try:
        day = datetime.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=datetime.UTC)
    except ValueError:
        raise ArgumentError(f"`{'to_date' if end else 'from_date'}` must be YYYY-MM-DD.") from None
    if end:
        day += datetime.timedelta(days=1, milliseconds=-1)
    return int(day.timestamp() * 1000)
