"""The retrieval test (``POST /datasets/search``, ``POST /datasets/{id}/search``): its request
(strict JSON, contract §1.5) and its answer, chunks under RAGFlow's internal field names.

A missing ``question`` is not a schema error: RAGFlow answers it with a 102, so the service
refuses it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from ragloom.api.params import MAX_PAGE_SIZE
from ragloom.api.schemas.parser_config import StrictModel
from ragloom.integers import MAX_PAGE
from ragloom.services.retrieval import Hit, Retrieval, RetrievalQuery

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class SearchDatasetRequest(StrictModel):
    """``POST /datasets/{dataset_id}/search``."""

    question: str = ""
    doc_ids: list[str] | None = None
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1
    size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 30
    top_k: int = 1024
    similarity_threshold: Fraction = 0.0
    vector_similarity_weight: Fraction = 0.3
    use_kg: bool = False
    cross_languages: list[str] | None = None
    keyword: bool = False
    search_id: str | None = None
    rerank_id: str | None = None
    meta_data_filter: dict[str, Any] | None = None
    highlight: bool = False

    def query(self, dataset_ids: list[str]) -> RetrievalQuery:
        """The retrieval this test runs."""
        return RetrievalQuery(
            dataset_ids=dataset_ids,
            question=self.question,
            document_ids=list(self.doc_ids or []),
            page=self.page,
            page_size=self.size,
            similarity_threshold=self.similarity_threshold,
            vector_similarity_weight=self.vector_similarity_weight,
            top_k=self.top_k,
            rerank_id=self.rerank_id or None,
            keyword=self.keyword,
            highlight=self.highlight,
            cross_languages=list(self.cross_languages or []),
            use_kg=self.use_kg,
        )


class SearchDatasetsRequest(SearchDatasetRequest):
    """``POST /datasets/search``: the same, over several datasets."""

    dataset_ids: Annotated[list[str], Field(min_length=1)]


def search_chunk(hit: Hit, *, with_highlight: bool) -> dict[str, Any]:
    """A hit as RAGFlow's retrieval test returns it (its index's field names, no vector)."""
    record = hit.record
    item: dict[str, Any] = {
        "chunk_id": record.id,
        "content_ltks": record.content_terms,
        "content_with_weight": record.content,
        "doc_id": record.document_id,
        "docnm_kwd": record.document_name,
        "kb_id": record.dataset_id,
        "important_kwd": record.important_keywords,
        "question_kwd": record.questions,
        "tag_kwd": record.tag_keywords,
        "image_id": record.image_id,
        "similarity": hit.similarity,
        "vector_similarity": hit.vector_similarity,
        "term_similarity": hit.term_similarity,
        "positions": record.positions,
        "doc_type_kwd": record.doc_type,
        "mom_id": record.parent_id,
    }
    if with_highlight:
        item["highlight"] = hit.highlight
    return item


def search_answer(result: Retrieval, *, with_highlight: bool) -> dict[str, Any]:
    """``{"chunks", "doc_aggs", "total", "labels"}``: ``total`` counts every hit above the
    threshold (RAGFlow counts the page), ``labels`` are the question's tags (``None`` when the
    datasets name no tag dataset)."""
    return {
        "chunks": [search_chunk(hit, with_highlight=with_highlight) for hit in result.hits],
        "doc_aggs": [{"doc_name": doc.name, "doc_id": doc.document_id, "count": doc.count} for doc in result.documents],
        "total": result.total,
        "labels": result.labels,
    }
