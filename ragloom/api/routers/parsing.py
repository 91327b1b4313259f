"""Starting and stopping parsing (contract §5): the SDK's ``/chunks`` routes and the newer pair."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody
from ragloom.api.routing import api_router
from ragloom.api.schemas.parsing import NewerParseRequest, ParseRequest
from ragloom.services.parsing import ParseOutcome

router = api_router(tags=["parsing"])


def _duplicates(outcome: ParseOutcome) -> list[str]:
    return [f"Duplicate document ids: {document_id}" for document_id in outcome.duplicates]


@router.post("/datasets/{dataset_id}/chunks", summary="Start parsing documents")
def start_parsing(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[ParseRequest]
) -> Response:
    outcome = services.parsing.start(caller, dataset_id, body.checked, refuse_running=True)
    if outcome.duplicates and outcome.done:
        return success(Envelope.R, {"success_count": outcome.done, "errors": _duplicates(outcome)})
    return success(Envelope.R)


@router.delete("/datasets/{dataset_id}/chunks", summary="Stop parsing documents")
def stop_parsing(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[ParseRequest]
) -> Response:
    services.parsing.stop(caller, dataset_id, body.checked, strict=True)
    return success(Envelope.R)


@router.post("/datasets/{dataset_id}/documents/parse", summary="Start parsing documents (newer form)")
def parse_documents(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[NewerParseRequest]
) -> Response:
    outcome = services.parsing.start(caller, dataset_id, body.checked, refuse_running=False)
    data: dict[str, Any] = {"success_count": outcome.done}
    if outcome.duplicates:
        data["errors"] = _duplicates(outcome)
    return success(Envelope.R, data)


@router.post("/datasets/{dataset_id}/documents/stop", summary="Stop parsing documents (newer form)")
def stop_documents(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[NewerParseRequest]
) -> Response:
    outcome = services.parsing.stop(caller, dataset_id, body.checked, strict=False)
    data: dict[str, Any] = {"success_count": outcome.done}
    if outcome.errors or outcome.duplicates:
        data["errors"] = outcome.errors + _duplicates(outcome)
    return success(Envelope.R, data)
