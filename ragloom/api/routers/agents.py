"""``/agents``: agents, their sessions and versions, and conversing with them (AGENTS.md §1).

Envelopes follow RAGFlow: agent routes answer J (``code``, ``message``, ``data``), session routes
R (no ``message`` on success), the session list J with ``total`` beside ``data``. Completions
stream ``data:`` lines of events and end with ``data:[DONE]``; a run that fails sends RAGFlow's
``{"code":500,"message":…,"data":false}`` line before it. The requests:
:mod:`ragloom.api.schemas.agents`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Response

from ragloom.api import sse
from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, EnvelopeResponse, failure, success
from ragloom.api.inputs import LooseBody, NoBody, Query
from ragloom.api.routers.agents_openai import OPENAI_COMPLETION, openai_completion
from ragloom.api.routing import Events, Success, api_router, envelope
from ragloom.api.schemas.agents import (
    AgentBody,
    AgentCompletionBody,
    DeleteAgentSessionsBody,
    ListAgentSessionsQuery,
    ListAgentsQuery,
    NewAgentBody,
    NewAgentSessionFields,
    NewAgentSessionQuery,
    new_agent_session,
)
from ragloom.clock import http_date
from ragloom.errors import RetCode
from ragloom.services.agent_access import AgentPermissionError
from ragloom.services.agent_runs import AgentRun, AgentRunError
from ragloom.services.agent_sessions import session_public
from ragloom.services.agents import AgentView
from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from ragloom.storage.metadata.tables import AgentSession, AgentVersion

router = api_router(tags=["agents"])
AGENT_ANSWER = "RAGFlow's R envelope; with `openai-compatible`, " + OPENAI_COMPLETION


# ---- agents -------------------------------------------------------------------------------------


@router.get("/agents", summary="List the caller's agents")
@envelope(Envelope.J)
def list_agents(caller: CurrentCaller, services: ServicesDep, query: Query[ListAgentsQuery]) -> Response:
    if any(owner != caller.tenant_id for owner in query.owners()):
        raise AgentPermissionError("Only authorized owner_ids can be queried.")
    agents, total = services.agents.page(caller, query.listing())
    return success(Envelope.J, {"canvas": [_agent_item(view) for view in agents], "total": total})


@router.post("/agents", summary="Create an agent from a canvas DSL")
@envelope(Envelope.J)
def create_agent(caller: CurrentCaller, services: ServicesDep, body: LooseBody[NewAgentBody]) -> Response:
    return success(Envelope.J, _agent(services.agents.create(caller, body.fields())))


@router.get("/agents/templates", summary="Agent templates that ship with ragloom")
@envelope(Envelope.J)
def agent_templates(_caller: CurrentCaller) -> Response:
    from ragloom.agents.templates_catalog import templates

    return success(Envelope.J, templates())


@router.get("/agents/prompts", summary="The prompts agents use for planning, reflection and citations")
@envelope(Envelope.J, data=dict[str, str])
def agent_prompts(_caller: CurrentCaller) -> Response:
    from ragloom.agents.prompts import public_prompts

    return success(Envelope.J, public_prompts())


@router.get("/agents/{agent_id}", summary="One agent with its DSL")
@envelope(Envelope.J)
def get_agent(agent_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.J, _agent(services.agents.get(caller, agent_id)))


@router.put("/agents/{agent_id}", summary="Change an agent (title, description, DSL, release …)")
@envelope(Envelope.J, data=bool)
def update_agent(agent_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[AgentBody]) -> Response:
    services.agents.update(caller, agent_id, body.fields())
    return success(Envelope.J, True)


@router.delete("/agents/{agent_id}", summary="Delete an agent with its sessions")
@envelope(Envelope.J, data=bool)
def delete_agent(agent_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
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
def create_agent_session(
    agent_id: str,
    caller: CurrentCaller,
    services: ServicesDep,
    query: Query[NewAgentSessionQuery],
    body: LooseBody[NewAgentSessionFields],
) -> Response:
    asked = new_agent_session(query, body)
    session = services.agent_sessions.create(
        caller, agent_id, name=asked.name, user_id=asked.user_id, release=asked.release
    )
    return success(Envelope.R, session_public(session))


@router.get("/agents/{agent_id}/sessions", summary="An agent's sessions")
@envelope(Envelope.R)
def list_agent_sessions(
    agent_id: str, caller: CurrentCaller, services: ServicesDep, query: Query[ListAgentSessionsQuery]
) -> Response:
    sessions, total = services.agent_sessions.page(caller, agent_id, query.listing())
    data = [session_public(session, with_dsl=query.with_dsl()) for session in sessions]
    return EnvelopeResponse({"code": 0, "message": "success", "data": data, "total": total})


@router.delete("/agents/{agent_id}/sessions", summary="Delete some or all of an agent's sessions")
@envelope(Envelope.R)
def delete_agent_sessions(
    agent_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[DeleteAgentSessionsBody]
) -> Response:
    deleted, errors = services.agent_sessions.delete(caller, agent_id, body.checked, body.everything())
    if errors:
        return success(Envelope.R, {"success_count": deleted, "errors": errors})
    return success(Envelope.R)


@router.get("/agents/{agent_id}/sessions/{session_id}", summary="One session as stored")
@envelope(Envelope.R)
def get_agent_session(agent_id: str, session_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, _raw_session(services.agent_sessions.get(caller, agent_id, session_id)))


@router.delete("/agents/{agent_id}/sessions/{session_id}", summary="Delete one session")
@envelope(Envelope.R)
def delete_agent_session(
    agent_id: str, session_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody
) -> Response:
    return success(Envelope.R, services.agent_sessions.delete_one(caller, agent_id, session_id))


# ---- completions --------------------------------------------------------------------------------

_converses = envelope(
    Envelope.R, success=Success.BARE, raw=AGENT_ANSWER, streams=True, events=(Events.AGENT, Events.OPENAI)
)


@router.post("/agents/chat/completions", summary="Converse with an agent")
@_converses
def agent_completions(caller: CurrentCaller, services: ServicesDep, body: LooseBody[AgentCompletionBody]) -> Response:
    return _converse(caller, services, body)


@router.post(
    "/agents/chat/completion", summary="Converse with an agent (RAGFlow v0.26's singular alias)", deprecated=True
)
@_converses
def agent_completion(caller: CurrentCaller, services: ServicesDep, body: LooseBody[AgentCompletionBody]) -> Response:
    return _converse(caller, services, body)


@router.post("/agents/{agent_id}/completions", summary="Converse with an agent (legacy path)", deprecated=True)
@_converses
def legacy_agent_completions(
    agent_id: str,  # noqa: ARG001 -- the body reads it (an agent_id in the body wins)
    caller: CurrentCaller,
    services: ServicesDep,
    body: LooseBody[AgentCompletionBody],
) -> Response:
    return _converse(caller, services, body)


def _converse(caller: Caller, services: Services, body: AgentCompletionBody) -> Response:
    turn = body.checked
    if turn.openai is not None:
        return openai_completion(caller, services, turn.openai)
    assert turn.ragflow is not None
    run = services.agent_runs.prepare(caller, turn.ragflow)
    if turn.stream:
        return sse.stream(ragflow_stream(run))
    try:
        result = run.result()
    except AgentRunError as error:
        return failure(Envelope.J, int(RetCode.SERVER_ERROR), str(error), False)
    return success(Envelope.R, result)


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
