"""A dataset's ingestion log and summary (contract §13.3), from ragloom's parse tasks."""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import Query
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.ingestion_logs import IngestionLogsQuery, ingestion_log_item, ingestion_summary

router = api_router("/datasets", tags=["ingestion"])


@router.get("/{dataset_id}/ingestions/summary", summary="Documents, chunks, tokens and parse states of a dataset")
@envelope(Envelope.R)
def ingestion_summary_of(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, ingestion_summary(services.ingestion_logs.summary(caller, dataset_id)))


@router.get("/{dataset_id}/ingestions", summary="List a dataset's ingestion log (its parse tasks)")
@envelope(Envelope.R)
def list_ingestion_logs(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, query: Query[IngestionLogsQuery]
) -> Response:
    logs, total = services.ingestion_logs.list_page(caller, dataset_id, query.listing())
    return success(Envelope.R, {"total": total, "logs": [ingestion_log_item(log) for log in logs]})


@router.get("/{dataset_id}/ingestions/{log_id}", summary="One entry of a dataset's ingestion log")
@envelope(Envelope.R)
def get_ingestion_log(dataset_id: str, log_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, ingestion_log_item(services.ingestion_logs.get(caller, dataset_id, log_id)))
