"""Retrieval: chunks of the tenant's datasets for a query — a node of its own, or a tool an Agent's
model calls with a ``query``.

The search is the one ``POST /retrieval`` makes (:meth:`AgentServices.search_datasets`), over the
datasets named in ``dataset_ids``/``kb_ids`` (ids or names; an entry may be a reference, such as
``{begin@dataset}``, whose value — one name or id, or a list — is read when the run gets there).
RAGFlow's settings: ``similarity_threshold``, ``keywords_similarity_weight`` (the vector part's
weight is one minus it), ``top_n``, ``top_k``, ``rerank_id``, ``cross_languages``, ``toc_enhance``
and a manual ``meta_data_filter``. The chunks join the run's reference (so ``message_end`` carries
them) and ``formalized_content`` lists them numbered by their place there, the ``n`` an answer
cites as ``[ID:n]``; ``json`` holds them as objects. Nothing found: ``formalized_content`` is
``empty_response``.

With ``use_kg`` the datasets' knowledge graph adds its piece first, as on ``/retrieval``. With
``retrieval_from: memory`` (or ``memory_ids`` and no datasets) it searches the tenant's
memories instead, and its output is their messages' contents, best first.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from ragloom.agents.components.base import Component, ComponentParams, Invocation, ToolSpec
from ragloom.agents.references import bare_reference
from ragloom.agents.services import DatasetSearch, MemorySearch
from ragloom.errors import DataError
from ragloom.rag.prompts import KnowledgeChunk, format_knowledge

RETRIEVAL_TIMEOUT_SECONDS = 60.0
FUNCTION = "search_my_dateset"  # RAGFlow's spelling: prompts written for RAGFlow name this function
DESCRIPTION = "This tool can be utilized for relevant content searching in the datasets."
QUERY_DESCRIPTION = (
    "The keywords to search the dataset. The keywords should be the most important words/terms "
    "(includes synonyms) from the original request."
)
MANUAL_FILTER = "manual"


class RetrievalParams(ComponentParams):
    query: str = "{sys.query}"
    dataset_ids: list[str] = Field(default_factory=list)
    kb_ids: list[str] = Field(default_factory=list)
    kb_vars: list[str] = Field(default_factory=list)
    memory_ids: list[str] = Field(default_factory=list)
    retrieval_from: str = "dataset"
    similarity_threshold: float = Field(default=0.2, ge=0, le=1)
    keywords_similarity_weight: float = Field(default=0.5, ge=0, le=1)
    top_n: int = Field(default=8, ge=1, le=1024)
    top_k: int = Field(default=1024, ge=1)
    rerank_id: str = ""
    empty_response: str = ""
    use_kg: bool = False
    toc_enhance: bool = False
    cross_languages: list[str] = Field(default_factory=list)
    meta_data_filter: dict[str, Any] = Field(default_factory=dict)


class Retrieval(Component):
    """Searches datasets; see the module docstring."""

    name = "Retrieval"
    Params = RetrievalParams
    timeout_seconds = RETRIEVAL_TIMEOUT_SECONDS  # RAGFlow allows 12 s; a first search also loads the embedding model
    bare_references: ClassVar[tuple[str, ...]] = ("query", "dataset_ids", "kb_ids", "kb_vars")

    def _params(self) -> RetrievalParams:
        assert isinstance(self.params, RetrievalParams)
        return self.params

    def invoke(self, run: Invocation) -> dict[str, Any]:
        query = self._params().query
        bare = bare_reference(query)
        value = run.value(query) if bare is not None and "{" not in query else run.render(query)
        return self.search(run, "" if value is None else str(value))

    def tool_spec(self) -> ToolSpec:
        parameters = {
            "type": "object",
            "properties": {"query": {"type": "string", "description": QUERY_DESCRIPTION}},
            "required": ["query"],
        }
        return ToolSpec(FUNCTION, DESCRIPTION, parameters)

    def invoke_tool(self, run: Invocation, arguments: dict[str, Any]) -> dict[str, Any]:
        return self.search(run, str(arguments.get("query") or ""))

    def search(self, run: Invocation, query: str) -> dict[str, Any]:
        """Search for ``query`` and add what was found to the run's reference."""
        params = self._params()
        if not query.strip():
            return {"formalized_content": params.empty_response, "json": []}
        datasets_named = params.dataset_ids or params.kb_ids or params.kb_vars
        if params.retrieval_from == "memory" or (params.memory_ids and not datasets_named):
            return self._search_memories(run, query.strip())
        found = run.services.search_datasets(
            DatasetSearch(
                datasets=self._datasets(run),
                question=query.strip(),
                top_n=params.top_n,
                top_k=params.top_k,
                similarity_threshold=params.similarity_threshold,
                vector_similarity_weight=1 - params.keywords_similarity_weight,
                rerank_id=params.rerank_id,
                cross_languages=list(params.cross_languages),
                toc_enhance=params.toc_enhance,
                metadata_condition=self._metadata_condition(run),
                use_kg=params.use_kg,
            )
        )
        if not found.chunks:
            return {"formalized_content": params.empty_response, "json": []}
        numbers = _cite(run, found.chunks, found.doc_aggs)
        blocks = format_knowledge(
            [
                KnowledgeChunk(str(chunk.get("document_name") or ""), str(chunk.get("content") or ""))
                for chunk in found.chunks
            ],
            numbers,
        )
        return {"formalized_content": "\n".join(blocks), "json": found.chunks}

    def _search_memories(self, run: Invocation, query: str) -> dict[str, Any]:
        params = self._params()
        if not params.memory_ids:
            raise DataError("Retrieval from memory needs `memory_ids`.")
        contents = run.services.search_memories(
            MemorySearch(
                memory_ids=[str(run.value(entry)) if "@" in entry else entry for entry in params.memory_ids],
                question=query,
                top_n=params.top_n,
                similarity_threshold=params.similarity_threshold,
                keywords_similarity_weight=params.keywords_similarity_weight,
            )
        )
        if not contents:
            return {"formalized_content": params.empty_response, "json": []}
        return {"formalized_content": "\n".join(contents), "json": [{"content": content} for content in contents]}

    def _datasets(self, run: Invocation) -> list[str]:
        params = self._params()
        named: list[str] = []
        for entry in [*params.dataset_ids, *params.kb_ids, *params.kb_vars]:
            if "@" not in entry and not entry.strip().startswith("{"):
                named.append(entry)
                continue
            value = run.value(entry)
            named.extend(str(item) for item in (value if isinstance(value, list) else [value]) if item)
        return list(dict.fromkeys(named))

    def _metadata_condition(self, run: Invocation) -> dict[str, Any] | None:
        """RAGFlow's ``meta_data_filter`` as a ``metadata_condition``: ``manual`` conditions (values
        may be references), or none when it is empty or ``disabled``."""
        given = self._params().meta_data_filter
        method = str(given.get("method") or "").strip().lower()
        if not given or method in ("", "disabled"):
            return None
        if method != MANUAL_FILTER:
            raise DataError(
                f"meta_data_filter method '{method}' needs a chat model to choose the filters; ragloom runs "
                "only 'manual' filters."
            )
        conditions = []
        for item in given.get(MANUAL_FILTER) or []:
            value = item.get("value")
            conditions.append(
                {
                    "name": item.get("key"),
                    "comparison_operator": item.get("op", "="),
                    "value": run.render(value) if isinstance(value, str) else value,
                }
            )
        return {"logic": given.get("logic", "and"), "conditions": conditions} if conditions else None


def _cite(run: Invocation, chunks: list[dict[str, Any]], doc_aggs: list[dict[str, Any]]) -> list[int]:
    """Add the chunks the run's reference lacks; the place of each chunk there (for ``[ID:n]``)."""
    with run.lock:
        known = {str(chunk.get("id")): int(place) for place, chunk in run.state.references["chunks"].items()}
    fresh = [chunk for chunk in chunks if str(chunk.get("id")) not in known]
    if fresh:
        first = run.add_references(fresh, _aggregates_of(fresh, doc_aggs))
        known.update({str(chunk.get("id")): first + offset for offset, chunk in enumerate(fresh)})
    return [known[str(chunk.get("id"))] for chunk in chunks]


def _aggregates_of(chunks: list[dict[str, Any]], doc_aggs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Document counts of ``chunks`` alone, in the reference's ``doc_aggs`` shape."""
    names = {str(aggregate.get("doc_id")): str(aggregate.get("doc_name")) for aggregate in doc_aggs}
    counts: dict[str, int] = {}
    for chunk in chunks:
        document_id = str(chunk.get("document_id"))
        counts[document_id] = counts.get(document_id, 0) + 1
    return [
        {"doc_name": names.get(document_id) or _name_of(chunks, document_id), "doc_id": document_id, "count": count}
        for document_id, count in counts.items()
    ]


def _name_of(chunks: list[dict[str, Any]], document_id: str) -> str:
    return next(
        (str(chunk.get("document_name")) for chunk in chunks if str(chunk.get("document_id")) == document_id), ""
    )
