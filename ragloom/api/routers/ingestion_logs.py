"""A dataset's ingestion log and summary (contract §13.3), from ragloom's parse tasks."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.params import page_and_size, sane_page
from ragloom.api.routing import EnvelopeRoute
from ragloom.api.schemas.ingestion_logs import ingestion_log_item, ingestion_summary
from ragloom.services.ingestion_logs import IngestionLogListing

router = APIRouter(prefix="/datasets", tags=["ingestion"], route_class=EnvelopeRoute)


@router.get("/{dataset_id}/ingestions/summary", summary="Documents, chunks, tokens and parse states of a dataset")
def ingestion_summary_of(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, ingestion_summary(services.ingestion_logs.summary(caller, dataset_id)))


@router.get("/{dataset_id}/ingestions", summary="List a dataset's ingestion log (its parse tasks)")
def list_ingestion_logs(dataset_id: str, request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    params = request.query_params
    page, page_size = sane_page(*page_and_size(params))
    listing = IngestionLogListing(
        page=page,
        page_size=page_size,
        orderby=params.get("orderby") or "create_time",
        desc=params.get("desc", "true").lower() != "false",
        statuses=tuple(value for value in params.getlist("operation_status") if value),
        created_from=params.get("create_date_from") or None,
        created_to=params.get("create_date_to") or None,
        keywords=params.get("keywords") or None,
        log_type=params.get("log_type") or "file",
    )
    logs, total = services.ingestion_logs.list_page(caller, dataset_id, listing)
    return success(Envelope.R, {"total": total, "logs": [ingestion_log_item(log) for log in logs]})


@router.get("/{dataset_id}/ingestions/{log_id}", summary="One entry of a dataset's ingestion log")
def get_ingestion_log(dataset_id: str, log_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, ingestion_log_item(services.ingestion_logs.get(caller, dataset_id, log_id)))
