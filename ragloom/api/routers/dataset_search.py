"""The retrieval test: ``POST /datasets/search`` and ``POST /datasets/{dataset_id}/search``
(contract §13.3), through the same retrieval service as ``POST /retrieval``."""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import StrictBody
from ragloom.api.routers.retrieval import server_timing
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.dataset_search import SearchDatasetRequest, SearchDatasetsRequest, search_answer
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

router = api_router("/datasets", tags=["datasets"])


def _answer(services: Services, caller: Caller, request: SearchDatasetRequest, dataset_ids: list[str]) -> Response:
    query = request.query(dataset_ids)
    result = services.dataset_search.search(
        caller, query, meta_data_filter=request.meta_data_filter, search_id=request.search_id
    )
    response = success(Envelope.R, search_answer(result, with_highlight=query.highlight))
    response.headers.update(server_timing(result.timings))
    return response


@router.post("/search", summary="Retrieval test across datasets")
@envelope(Envelope.R)
def search_datasets(caller: CurrentCaller, services: ServicesDep, body: StrictBody[SearchDatasetsRequest]) -> Response:
    return _answer(services, caller, body, body.dataset_ids)


@router.post("/{dataset_id}/search", summary="Retrieval test in one dataset")
@envelope(Envelope.R)
def search_dataset(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: StrictBody[SearchDatasetRequest]
) -> Response:
    return _answer(services, caller, body, [dataset_id])
