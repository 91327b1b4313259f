"""The ``retrieve`` tool: ``POST /retrieval`` (contract §7.1) with every one of its parameters.

The arguments are read by the route's own reader (:class:`RetrievalRequest`), so defaults,
checks and refusals are RAGFlow's, and searched by the same :class:`RetrievalService`; hits are
the route's (§2.3d) but for ``content_ltks``, the tokenised copy of the content. One difference:
an empty question, which the route answers with an empty result, is refused here — a client
that asks nothing made a mistake it should hear about.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ragloom.api.bodies import validate
from ragloom.api.schemas.loose import RequestContext
from ragloom.api.schemas.retrieval import RetrievalRequest, retrieval_hit
from ragloom.errors import DataError
from ragloom.integers import MAX_PAGE
from ragloom.mcp.tools import Outcome, Tool, ToolArguments
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

OMITTED_HIT_FIELDS = frozenset({"content_ltks"})


class MetadataCondition(ToolArguments):
    """Documents whose metadata satisfy the conditions (contract §7.2)."""

    logic: Literal["and", "or"] = "and"
    conditions: list[dict[str, Any]] = Field(
        description=(
            'Each {"name": <metadata key>, "comparison_operator": <operator>, "value": <value>}; operators: '
            "contains, not contains, in, not in, start with, end with, empty, not empty, =, ≠, >, <, ≥, ≤ "
            "(also is, not is, !=, >=, <=)."
        )
    )


class ReferenceMetadata(ToolArguments):
    """Whether (and which of) the documents' metadata to attach to each chunk."""

    include: bool = False
    fields: list[str] | None = Field(None, description="Only these metadata keys (all when left out).")


class RetrieveArguments(ToolArguments):
    """Arguments of ``retrieve``: those of ``POST /api/v1/retrieval``."""

    dataset_ids: list[str] = Field(
        description="Ids of the datasets to search (see list_datasets); they must share one embedding model.",
        min_length=1,
    )
    question: str = Field(description="What to search for: a question or keywords.", min_length=1)
    document_ids: list[str] = Field(
        default_factory=list, description="Search only these documents (they must belong to the datasets)."
    )
    page: Annotated[int, Field(ge=1, le=MAX_PAGE, description="Page of chunks to return, from 1.")] = 1
    page_size: Annotated[int, Field(ge=1, le=100, description="Chunks per page, at most 100.")] = 30
    similarity_threshold: float = Field(
        0.2, ge=0, le=1, description="Chunks whose similarity is below this are dropped."
    )
    vector_similarity_weight: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Weight of vector (semantic) similarity in a chunk's score; the rest is keyword similarity.",
    )
    top_k: int = Field(1024, gt=0, description="Candidates taken from the vector search before ranking.")
    rerank_id: str | None = Field(
        None,
        description="A rerank model (name@factory) to rescore the best candidates; its score replaces the vector part.",
    )
    keyword: bool = Field(False, description="Add keywords the tenant's chat model extracts from the question.")
    highlight: bool = Field(False, description="Add `highlight` to each chunk: its content with matched terms in <em>.")
    cross_languages: list[str] = Field(
        default_factory=list, description="Also search with the question translated into these languages."
    )
    metadata_condition: MetadataCondition | None = Field(
        None, description="Search only documents whose metadata satisfy these conditions (without document_ids)."
    )
    use_kg: bool = Field(False, description="Put what the datasets' knowledge graph knows of the question first.")
    toc_enhance: bool = Field(
        False, description="Lift chunks of sections whose headings (the documents' tables of contents) match."
    )
    reference_metadata: ReferenceMetadata | None = Field(
        None, description="Attach the documents' metadata to each chunk as `document_metadata`."
    )
    include_metadata: bool = Field(False, description="The same as reference_metadata.include (older clients).")
    metadata_fields: list[str] | None = Field(
        None, description="The same as reference_metadata.fields (older clients)."
    )
    scoring: Literal["ragflow", "bm25", "bm25_feedback"] | None = Field(
        None,
        description="How chunks are scored: `ragflow` (RAGFlow's hybrid similarity), `bm25` (BM25 term scores "
        "fused with the vector's, relative to the query's candidates) or `bm25_feedback` (`bm25` with the question "
        "expanded by pseudo-relevance feedback); default: the datasets' choice, else the "
        "server's.",
    )


def retrieve(services: Services, caller: Caller, arguments: dict[str, Any]) -> Outcome:
    """The chunks of the caller's datasets most similar to the question, as ``/retrieval`` ranks them."""
    limits = services.settings.limits
    query = validate(RetrievalRequest, arguments, context=RequestContext(limits)).checked
    if not query.question.strip():
        raise DataError("`question` is required.")
    result = services.retrieval.retrieve(caller, query)
    chunks = [
        {
            key: value
            for key, value in retrieval_hit(hit, with_highlight=query.highlight).items()
            if key not in OMITTED_HIT_FIELDS
        }
        for hit in result.hits
    ]
    doc_aggs = [{"doc_name": doc.name, "doc_id": doc.document_id, "count": doc.count} for doc in result.documents]
    lines = [f"{len(chunks)} chunk(s) on this page, {result.total} above the similarity threshold in all."]
    for number, chunk in enumerate(chunks, start=1):
        lines.append(
            f"\n[{number}] {chunk['document_keyword']} (chunk {chunk['id']}, document {chunk['document_id']}, "
            f"similarity {chunk['similarity']:.3f})\n{chunk['content']}"
        )
    return Outcome({"total": result.total, "chunks": chunks, "doc_aggs": doc_aggs}, "\n".join(lines))


RETRIEVE = Tool(
    name="retrieve",
    title="Retrieve chunks",
    description=(
        "Search datasets for the chunks (passages of their documents) most relevant to a question, ranked by "
        "a mix of keyword and vector similarity, optionally reranked. Takes every parameter of RAGFlow's "
        "POST /api/v1/retrieval. Returns the chunks with their documents and scores."
    ),
    arguments=RetrieveArguments,
    function=retrieve,
)
