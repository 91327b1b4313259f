"""``/searches``: search apps — create, list, read, update, delete, and their streamed answers.

Success is envelope J. RAGFlow's own refusals are D-shaped 102s; another tenant's app is
J 103 ``Has no permission for this operation.`` when read and J 109 ``No authorization.``
when changed, deleted or asked (both ``data: false``).

An answer always streams (RAGFlow has no other mode here): one ``data:`` event per answer
fragment (``{"answer", "reference": {}, "final": false}``, thinking between
``start_to_think``/``end_to_think`` markers), then the whole answer with ``[ID:n]``
citations and its reference (``final: true``), then ``data: true``. A model that fails
mid-answer sends RAGFlow's code-500 error event before the terminator.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Response

from ragloom.api import sse
from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody, NoBody, Query
from ragloom.api.routers.completions import step_event
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.searches import (
    CreateSearchAppBody,
    ListSearchAppsQuery,
    SearchQuestionBody,
    UpdateSearchAppBody,
    search_app_detail,
    search_app_list_item,
    search_app_public,
)
from ragloom.services.answers import EventKind
from ragloom.services.completions import Turn
from ragloom.services.container import Services
from ragloom.services.search_apps import NewSearchApp, SearchAppChanges
from ragloom.services.search_config import SearchConfig
from ragloom.services.tenants import Caller

router = api_router("/searches", tags=["search apps"])


def search_events(turn: Turn) -> Iterator[bytes]:
    """A search answer's events, framed as RAGFlow streams them (module docstring)."""
    for item in turn.events():
        if item.kind is EventKind.FINAL:
            answer = item.answer
            if answer is not None and answer.error is None:  # an error event already told the client
                final = {"answer": answer.answer, "reference": answer.reference, "final": True}
                yield sse.event({"code": 0, "message": "", "data": final})
            continue
        payload = step_event(item, {"answer": "", "reference": {}, "final": False})
        if payload is not None:
            yield sse.event(payload)
    yield sse.event({"code": 0, "message": "", "data": True})


@router.post("", summary="Create a search app")
@envelope(Envelope.JD)
def create_search_app(caller: CurrentCaller, services: ServicesDep, body: LooseBody[CreateSearchAppBody]) -> Response:
    new = NewSearchApp(
        name=body.name,
        description=body.description or "",
        avatar=body.avatar,
        config=body.search_config or SearchConfig(),
    )
    return success(Envelope.J, {"search_id": services.search_apps.create(caller, new)})


@router.get("", summary="List search apps")
@envelope(Envelope.JD)
def list_search_apps(caller: CurrentCaller, services: ServicesDep, query: Query[ListSearchAppsQuery]) -> Response:
    views, total = services.search_apps.list_page(caller, query.listing())
    return success(Envelope.J, {"search_apps": [search_app_list_item(view) for view in views], "total": total})


@router.get("/{search_id}", summary="Get a search app")
@envelope(Envelope.JD)
def get_search_app(search_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.J, search_app_detail(services.search_apps.get(caller, search_id)))


@router.put("/{search_id}", summary="Rename a search app and change its search_config (merged)")
@envelope(Envelope.JD)
def update_search_app(
    search_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[UpdateSearchAppBody]
) -> Response:
    changes = SearchAppChanges(body.name, body.search_config, body.description, body.avatar)
    return success(Envelope.J, search_app_public(services.search_apps.update(caller, search_id, changes)))


@router.delete("/{search_id}", summary="Delete a search app")
@envelope(Envelope.JD, data=bool)
def delete_search_app(search_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    services.search_apps.delete(caller, search_id)
    return success(Envelope.J, True)


def _ask(search_id: str, caller: Caller, services: Services, body: SearchQuestionBody) -> Response:
    turn = services.search_apps.ask(caller, search_id, body.question, body.kb_ids or [])
    return sse.stream(search_events(turn))


@router.post("/{search_id}/completions", summary="Answer a question over the search app's datasets (SSE)")
@envelope(Envelope.JD, streams=True)
def search_completions(
    search_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[SearchQuestionBody]
) -> Response:
    return _ask(search_id, caller, services, body)


@router.post("/{search_id}/completion", summary="Answer a question over the search app's datasets (alias)")
@envelope(Envelope.JD, streams=True)
def search_completion(
    search_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[SearchQuestionBody]
) -> Response:
    return _ask(search_id, caller, services, body)
