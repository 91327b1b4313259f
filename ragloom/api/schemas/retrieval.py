"""``POST /retrieval`` request (contract §7.1): loose, checked in RAGFlow's order with its words."""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from ragloom.api.params import in_range, refuse_large_page_size, sane_page
from ragloom.api.schemas.loose import CheckedBody, RequestContext, Sent
from ragloom.errors import ArgumentError, DataError, RagloomError, RetCode
from ragloom.integers import INT64_MAX, MAX_PAGE
from ragloom.rag.scoring_modes import SCORING_MODES
from ragloom.services.retrieval import Hit, RetrievalQuery, check_question_length
from ragloom.settings import LimitSettings


class RetrievalRequest(CheckedBody[RetrievalQuery]):
    """Search the chunks of some datasets (optionally only some documents) for a question."""

    required_keys = ("dataset_ids", "question")

    dataset_ids: Sent[list[str]] = Field(None, json_schema_extra={"minItems": 1})
    question: Sent[str] = None
    document_ids: Sent[list[str]] = None
    page: Sent[int] = None
    page_size: Sent[int] = Field(None, description="At most 100.")
    similarity_threshold: Sent[float] = Field(None, description="Default 0.2.")
    vector_similarity_weight: Sent[float] = Field(None, description="Default 0.3.")
    top_k: Sent[int] = Field(None, description="Candidates taken from vector search; default 1024.")
    rerank_id: Sent[str] = None
    keyword: Sent[bool] = Field(None, description="Add keywords the chat model extracts from the question.")
    toc_enhance: Sent[bool] = None
    highlight: Sent[bool] = None
    cross_languages: Sent[list[str]] = None
    metadata_condition: Sent[dict[str, Any]] = None
    reference_metadata: Sent[dict[str, Any]] = Field(None, description="`include` and `fields` of document metadata.")
    include_metadata: Sent[bool] = None
    metadata_fields: Sent[list[str]] = None
    scoring: Sent[str] = Field(
        None,
        description="ragloom's extension: `ragflow`, `bm25` or `bm25_feedback`; default: the datasets' "
        "`parser_config.scoring`, else the server's `retrieval.scoring`.",
    )

    def check(self, body: dict[str, Any], context: RequestContext) -> RetrievalQuery:
        return retrieval_query(body, context.limits)


def _converted(body: dict[str, Any], key: str, default: float, kind: type[int] | type[float]) -> Any:
    """``kind(body[key])`` as RAGFlow converts it; a failure is its code-100 exception."""
    value = body.get(key, default)
    try:
        return kind(value)
    except (TypeError, ValueError, OverflowError) as error:
        raise RagloomError(repr(error), code=RetCode.EXCEPTION_ERROR) from None


def _integer(body: dict[str, Any], key: str, default: int, *, high: int = INT64_MAX) -> int:
    """An integer ``body[key]`` no larger than ``high`` (and at most 64 bits either way)."""
    number: int = _converted(body, key, default, int)
    return in_range(key, number, high=high)


def _finite(body: dict[str, Any], key: str, default: float) -> float:
    number: float = _converted(body, key, default, float)
    if not math.isfinite(number):
        raise ArgumentError(f"`{key}` must be a finite number.")
    return number


def _flag(value: Any, message: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise DataError(message)


def retrieval_query(body: dict[str, Any], limits: LimitSettings) -> RetrievalQuery:
    """The request, checked in RAGFlow's order with its messages."""
    dataset_ids = body.get("dataset_ids")
    if dataset_ids is None or dataset_ids == []:
        raise DataError("`dataset_ids` is required.")
    if not isinstance(dataset_ids, list) or not all(isinstance(item, str) for item in dataset_ids):
        raise DataError("`dataset_ids` should be a list")
    if "question" not in body:
        raise DataError("`question` is required.")
    document_ids = body.get("document_ids") or []
    if not isinstance(document_ids, list) or not all(isinstance(item, str) for item in document_ids):
        raise DataError("`documents` should be a list")
    page = _integer(body, "page", 1, high=MAX_PAGE)
    page_size: int = _converted(body, "page_size", 30, int)
    refuse_large_page_size(page_size)
    page, page_size = sane_page(page, page_size)
    top_k = _integer(body, "top_k", 1024)
    if top_k <= 0:
        raise DataError("`top_k` must be greater than 0")
    highlight = _flag(body.get("highlight", False) or False, "`highlight` should be a boolean")
    condition = body.get("metadata_condition")
    if condition is not None and not isinstance(condition, dict):
        raise DataError("metadata_condition must be an object.")
    languages = body.get("cross_languages") or []
    if not isinstance(languages, list):
        raise DataError("`cross_languages` should be a list")
    given = body.get("reference_metadata")
    reference: dict[str, Any] = given if isinstance(given, dict) else {}
    include = bool(reference.get("include", body.get("include_metadata", False)))
    fields = reference.get("fields", body.get("metadata_fields"))
    rerank_id = body.get("rerank_id")
    question = str(body.get("question") or "")
    check_question_length(question, limits.max_question_length)
    scoring = body.get("scoring")
    if scoring is not None and scoring not in SCORING_MODES:
        raise DataError(f"`scoring` must be one of {', '.join(SCORING_MODES)}.")
    return RetrievalQuery(
        dataset_ids=dataset_ids,
        question=question,
        document_ids=document_ids,
        page=page,
        page_size=page_size,
        similarity_threshold=_finite(body, "similarity_threshold", 0.2),
        vector_similarity_weight=_finite(body, "vector_similarity_weight", 0.3),
        top_k=top_k,
        rerank_id=str(rerank_id) if rerank_id else None,
        keyword=bool(body.get("keyword")),
        toc_enhance=bool(body.get("toc_enhance")),
        highlight=highlight,
        cross_languages=[str(language) for language in languages],
        metadata_condition=condition,
        include_metadata=include,
        metadata_fields=list(fields) if isinstance(fields, list) and fields else None,
        use_kg=body.get("use_kg") is not None and _flag(body["use_kg"], "`use_kg` should be a boolean"),
        scoring=scoring,
    )


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
