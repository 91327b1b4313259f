"""Starting and stopping parsing (contract §5): the SDK's ``/chunks`` routes and the newer pair."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from ragloom.api.deps import CurrentCaller, LooseBody, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.routing import EnvelopeRoute
from ragloom.errors import DataError
from ragloom.services.parsing import ParseOutcome

router = APIRouter(tags=["parsing"], route_class=EnvelopeRoute)


def _document_ids(body: dict[str, Any]) -> list[str]:
    ids = body.get("document_ids")
    if not ids:
        raise DataError("`document_ids` is required")
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise DataError("`document_ids` must be a list of document ids")
    return ids


def _duplicates(outcome: ParseOutcome) -> list[str]:
    return [f"Duplicate document ids: {document_id}" for document_id in outcome.duplicates]


@router.post("/datasets/{dataset_id}/chunks", summary="Start parsing documents")
def start_parsing(dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    outcome = services.parsing.start(caller, dataset_id, _document_ids(body), refuse_running=True)
    if outcome.duplicates and outcome.done:
        return success(Envelope.R, {"success_count": outcome.done, "errors": _duplicates(outcome)})
    return success(Envelope.R)


@router.delete("/datasets/{dataset_id}/chunks", summary="Stop parsing documents")
def stop_parsing(dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    services.parsing.stop(caller, dataset_id, _document_ids(body), strict=True)
    return success(Envelope.R)


@router.post("/datasets/{dataset_id}/documents/parse", summary="Start parsing documents (newer form)")
def parse_documents(dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    if not body:
        raise DataError("Request body is required")
    outcome = services.parsing.start(caller, dataset_id, _document_ids(body), refuse_running=False)
    data: dict[str, Any] = {"success_count": outcome.done}
    if outcome.duplicates:
        data["errors"] = _duplicates(outcome)
    return success(Envelope.R, data)


@router.post("/datasets/{dataset_id}/documents/stop", summary="Stop parsing documents (newer form)")
def stop_documents(dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    if not body:
        raise DataError("Request body is required")
    outcome = services.parsing.stop(caller, dataset_id, _document_ids(body), strict=False)
    data: dict[str, Any] = {"success_count": outcome.done}
    if outcome.errors or outcome.duplicates:
        data["errors"] = outcome.errors + _duplicates(outcome)
    return success(Envelope.R, data)
