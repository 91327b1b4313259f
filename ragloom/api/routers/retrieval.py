"""``POST /retrieval``: search chunks across datasets (contract §7.1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody
from ragloom.api.routing import EnvelopeRoute
from ragloom.api.schemas.retrieval import RetrievalRequest
from ragloom.services.retrieval import Hit

router = APIRouter(tags=["retrieval"], route_class=EnvelopeRoute)


def retrieval_hit(hit: Hit, *, with_highlight: bool) -> dict[str, Any]:
    """A chunk as ``/retrieval`` returns it (§2.3d)."""
    record = hit.record
    item: dict[str, Any] = {
        "id": record.id,
        "content": record.content,
        "content_ltks": record.content_terms,
        "document_id": record.document_id,
        "document_keyword": record.document_name,
        "dataset_id": record.dataset_id,
        "important_keywords": record.important_keywords,
        "tag_kwd": record.tag_keywords,
        "image_id": record.image_id,
        "positions": record.positions,
        "similarity": hit.similarity,
        "vector_similarity": hit.vector_similarity,
        "term_similarity": hit.term_similarity,
        "doc_type_kwd": record.doc_type,
        "mom_id": record.parent_id,
        "row_id": None,
    }
    if record.questions:
        item["questions"] = record.questions
    if with_highlight:
        item["highlight"] = hit.highlight
    if hit.document_metadata:
        item["document_metadata"] = hit.document_metadata
    return item


def server_timing(timings: dict[str, float]) -> dict[str, str]:
    """The answer's ``Server-Timing`` header: each stage of the query (seconds) in milliseconds."""
    parts = [f"{stage};dur={seconds * 1000:.1f}" for stage, seconds in timings.items()]
    return {"Server-Timing": ", ".join(parts)} if parts else {}


@router.post("/retrieval", summary="Search chunks across datasets")
def retrieve(caller: CurrentCaller, services: ServicesDep, body: LooseBody[RetrievalRequest]) -> Response:
    query = body.checked
    result = services.retrieval.retrieve(caller, query)
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
