"""``POST /retrieval``: search chunks across datasets (contract §7.1)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Response

from ragloom.api.deps import PresentedCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import loose_body_after
from ragloom.api.routing import api_router
from ragloom.api.schemas.retrieval import RetrievalRequest, retrieval_hit

router = api_router(tags=["retrieval"])


def server_timing(timings: dict[str, float]) -> dict[str, str]:
    """The answer's ``Server-Timing`` header: each stage of the query (seconds) in milliseconds."""
    parts = [f"{stage};dur={seconds * 1000:.1f}" for stage, seconds in timings.items()]
    return {"Server-Timing": ", ".join(parts)} if parts else {}


RetrievalBody = Annotated[RetrievalRequest, loose_body_after(PresentedCaller, RetrievalRequest)]


@router.post("/retrieval", summary="Search chunks across datasets")
def retrieve(key: PresentedCaller, services: ServicesDep, body: RetrievalBody) -> Response:
    """The key is looked up in the statement that reads the datasets (one metadata read in all)."""
    query = body.checked
    result = services.retrieval.retrieve(key, query)
    doc_aggs: Any = (
        {}
        if result.nothing_searched
        else [{"doc_name": doc.name, "doc_id": doc.document_id, "count": doc.count} for doc in result.documents]
    )
    data = {
        "total": result.total,
        "chunks": [retrieval_hit(hit, with_highlight=query.highlight) for hit in result.hits],
        "doc_aggs": doc_aggs,
    }
    response = success(Envelope.R, data)
    response.headers.update(server_timing(result.timings))
    return response
