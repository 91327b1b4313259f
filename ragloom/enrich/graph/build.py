"""Building a dataset's knowledge graph, whole, in memory; the caller writes it in one step.

1. The dataset's settings (:class:`~ragloom.enrich.graph.settings.GraphSettings`), its chat
   model (the dataset's ``llm_id``, else the tenant's) and its documents' available listed chunks.
2. Entities and relations are read batch by batch (:mod:`~ragloom.enrich.graph.extraction`;
   cached, so a rebuild asks only about batches whose text changed) and merged, resolved, ranked
   and grouped into communities (:mod:`~ragloom.enrich.graph.merge`).
3. With ``community``, each community of two or more entities gets a report: one model call.
4. Every entity, relation and report becomes a graph record with its analysed terms and a vector
   of the dataset's embedding model, so retrieval matches them as it matches chunks.

Nothing is written here: :class:`GraphBuild` holds the records for
:meth:`~ragloom.storage.index.ChunkIndex.replace_graph`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ragloom.enrich.errors import EnrichmentFailedError, UnreadableReplyError
from ragloom.enrich.graph import extraction, merge
from ragloom.enrich.graph.settings import GraphSettings, Method
from ragloom.enrich.model_calls import Ask, EnrichmentModel, Prompting, content_hash
from ragloom.enrich.models import EnrichmentModels
from ragloom.enrich.replies import json_value
from ragloom.enrich.usage import EnricherUsage
from ragloom.errors import DataError, ProviderError
from ragloom.ingest.context import IngestCancelledError, IngestContext
from ragloom.nlp import TextAnalyzer
from ragloom.providers.chat import ChatMessage, GenerationOptions
from ragloom.providers.embedding import EmbeddingModels
from ragloom.storage.index import ChunkIndex, ChunkRecord, GraphFields, GraphPart
from ragloom.storage.metadata import MetadataStore

if TYPE_CHECKING:
    pass

EMBED_BATCH = 32
REPORT_TOKENS = 1024
COMMUNITY_ENRICHER = "graph_community"
COMMUNITY_SYSTEM = (
    "You write a short report on a group of related entities of a knowledge graph, using only the "
    'descriptions given. Answer with JSON only: {"title": str, "summary": str, "findings": [str]}.'
)


@dataclass
class GraphBuild:
    """A dataset's graph, ready to write, and what building it cost."""

    records: list[ChunkRecord] = field(default_factory=list)
    entities: int = 0
    relations: int = 0
    communities: int = 0
    model_id: str = ""
    usage: dict[str, EnricherUsage] = field(default_factory=dict)
    planned_calls: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        return f"{self.entities} entities, {self.relations} relations, {self.communities} community reports"


def record_id(part: GraphPart, *keys: str) -> str:
    """A graph record's id: the same part and names always get the same id."""
    return content_hash("\x1f".join((part.value, *keys)))[:32]


def read_report(answer: str) -> dict[str, Any]:
    """A community report's title, summary and findings (plain prose is taken as the summary)."""
    try:
        value = json_value(answer)
    except UnreadableReplyError:
        value = None
    if isinstance(value, dict) and (value.get("summary") or value.get("title")):
        findings = value.get("findings") or []
        return {
            "title": " ".join(str(value.get("title") or "").split()),
            "summary": str(value.get("summary") or "").strip(),
            "findings": [str(item).strip() for item in findings if str(item).strip()]
            if isinstance(findings, list)
            else [],
        }
    text = answer.strip()
    if not text:
        raise UnreadableReplyError("an empty report")
    return {"title": "", "summary": text, "findings": []}


class GraphBuilder:
    """Builds datasets' graphs with the enrichment models and the dataset's embedding model."""

    def __init__(
        self,
        store: MetadataStore,
        index: ChunkIndex,
        embeddings: EmbeddingModels,
        analyzer: TextAnalyzer,
        models: EnrichmentModels,
    ) -> None:
        self._store = store
        self._index = index
        self._embeddings = embeddings
        self._analyzer = analyzer
        self._models = models

    def build(self, dataset_id: str, context: IngestContext) -> GraphBuild:
        """The dataset's whole graph (see the module docstring)."""
        with self._store.reading() as tx:
            dataset = tx.datasets.get(dataset_id)
            if dataset is None:
                raise IngestCancelledError
            tenant = tx.tenants.get(dataset.tenant_id)
            listed = sorted(
                tx.documents.of_dataset(dataset_id), key=lambda document: (document.create_time, document.id)
            )
            documents = [document.id for document in listed]
        config = dict(dataset.parser_config or {})
        typed = [
            dict(document.parser_config or {})
            for document in listed
            if document.chunk_method == "knowledge_graph" and (document.parser_config or {}).get("entity_types")
        ]
        # documents chunked by knowledge_graph name their entity types; the rest is the dataset's
        settings = GraphSettings.of("knowledge_graph", {**config, **typed[0]} if typed else config)
        built = GraphBuild()
        model_id = self._models.model_id(config, tenant.chat_model if tenant else "", dataset.tenant_id, "graphrag")
        model = self._models.get(model_id, dataset.tenant_id)
        built.model_id = model_id
        chunks = [
            chunk for document in documents for chunk in self._index.page(dataset_id, document, available=True)[0]
        ]
        if not chunks:
            raise DataError(f"No chunks in dataset {dataset_id}: parse its documents before building its graph.")
        started = time.perf_counter()
        batches = extraction.batches(chunks, settings.batch_tokens, model)
        context.progress(
            0.02,
            f"Reading entities and relations from {len(chunks)} chunks in {len(batches)} batches "
            f"with {model_id} ({settings.method.value}).",
        )
        try:
            found = extraction.extract(batches, settings, model, context.stage(0.02, 0.7))
        except EnrichmentFailedError as error:
            raise ProviderError(f"Building the knowledge graph failed: {error.message}") from None
        graph = merge.merge(found, cooccurrence=settings.method is Method.NER)
        merged_away = merge.resolve(graph) if settings.resolution else 0
        merge.rank(graph)
        built.usage[extraction.ENRICHER] = model.usage(extraction.ENRICHER)
        built.seconds["extract"] = built.usage[extraction.ENRICHER].wall_seconds = time.perf_counter() - started
        built.planned_calls[extraction.ENRICHER] = len(batches) * (2 if settings.method is Method.GENERAL else 1)
        line = f"{len(graph.entities)} entities and {len(graph.relations)} relations"
        context.progress(
            0.7, line + (f" ({merged_away} near-duplicate entities merged)." if settings.resolution else ".")
        )
        reports: list[tuple[list[str], dict[str, Any]]] = []
        if settings.community and graph.entities:
            mark = time.perf_counter()
            merge.find_communities(graph, settings.seed)
            reports = self._reports(graph, model, context.stage(0.7, 0.85))
            built.usage[COMMUNITY_ENRICHER] = model.usage(COMMUNITY_ENRICHER)
            built.seconds["communities"] = built.usage[COMMUNITY_ENRICHER].wall_seconds = time.perf_counter() - mark
            built.planned_calls[COMMUNITY_ENRICHER] = len(graph.communities)
        context.check()
        mark = time.perf_counter()
        built.records = self._records(dataset_id, graph, reports)
        self._embed(built.records, dataset.embedding_model, dataset.tenant_id, context.stage(0.85, 0.98))
        built.seconds["embed"] = time.perf_counter() - mark
        built.entities, built.relations, built.communities = len(graph.entities), len(graph.relations), len(reports)
        return built

    def _reports(
        self, graph: merge.MergedGraph, model: EnrichmentModel, context: IngestContext
    ) -> list[tuple[list[str], dict[str, Any]]]:
        """A report per community (a community whose report is unreadable gets none)."""
        asks = []
        for members in graph.communities:
            entities = "\n".join(
                f"- {graph.entities[key].name} ({graph.entities[key].entity_type}): {graph.entities[key].description}"
                for key in members
            )
            names = {key: graph.entities[key].name for key in members}
            relations = "\n".join(
                f"- {names[relation.source]} — {names[relation.target]}: {relation.description}"
                for pair, relation in graph.relations.items()
                if pair[0] in names and pair[1] in names
            )
            user = f"Entities:\n{entities}\n\nRelations:\n{relations or '(none)'}"
            asks.append(Ask(user, (ChatMessage("system", COMMUNITY_SYSTEM), ChatMessage("user", user))))
        if not asks:
            return []
        prompting = Prompting(
            COMMUNITY_ENRICHER,
            {"system": COMMUNITY_SYSTEM},
            GenerationOptions(temperature=0.0, max_tokens=REPORT_TOKENS),
        )
        try:
            answers = model.ask_all(prompting, asks, read_report, context)
        except EnrichmentFailedError as error:
            context.progress(1.0, f"No community reports: {error.message}")
            return []
        return [(members, answer) for members, answer in zip(graph.communities, answers, strict=True) if answer]

    def _record(
        self, dataset_id: str, part: GraphPart, keys: tuple[str, ...], content: str, title: str, fields: GraphFields
    ) -> ChunkRecord:
        analyzer = self._analyzer
        important = " ".join(fields.keywords)
        return ChunkRecord(
            id=record_id(part, *keys),
            dataset_id=dataset_id,
            document_id="",
            document_name="",
            content=content,
            content_terms=analyzer.joined(content),
            content_fine_terms=analyzer.joined_fine(content),
            title_terms=analyzer.joined(title),
            important_keywords=list(fields.keywords),
            important_terms=analyzer.joined(important) if important else "",
            token_count=0,
            created_at=time.time(),
            graph=fields,
        )

    def _records(
        self, dataset_id: str, graph: merge.MergedGraph, reports: list[tuple[list[str], dict[str, Any]]]
    ) -> list[ChunkRecord]:
        records = []
        for key, entity in graph.entities.items():
            fields = GraphFields(
                GraphPart.ENTITY,
                name=entity.name,
                entity_type=entity.entity_type,
                rank=entity.rank,
                chunk_ids=entity.chunk_ids,
                document_ids=entity.document_ids,
            )
            content = entity.description or entity.name
            records.append(self._record(dataset_id, GraphPart.ENTITY, (key,), content, entity.name, fields))
        for pair, relation in graph.relations.items():
            source, target = graph.entities[relation.source].name, graph.entities[relation.target].name
            fields = GraphFields(
                GraphPart.RELATION,
                source=source,
                target=target,
                weight=relation.weight,
                keywords=relation.keywords,
                chunk_ids=relation.chunk_ids,
                document_ids=relation.document_ids,
            )
            content = relation.description or f"{source} — {target}"
            records.append(self._record(dataset_id, GraphPart.RELATION, pair, content, f"{source} {target}", fields))
        for members, report in reports:
            names = [graph.entities[key].name for key in members]
            title = report["title"] or f"Community of {', '.join(names[:3])}"
            findings = "\n".join(f"- {finding}" for finding in report["findings"])
            content = f"# {title}\n\n{report['summary']}" + (f"\n\n{findings}" if findings else "")
            fields = GraphFields(
                GraphPart.COMMUNITY,
                name=title,
                rank=sum(graph.entities[key].rank for key in members),
                members=names,
                document_ids=list(dict.fromkeys(d for key in members for d in graph.entities[key].document_ids)),
            )
            records.append(self._record(dataset_id, GraphPart.COMMUNITY, tuple(members), content, title, fields))
        return records

    def _embed(self, records: list[ChunkRecord], model_id: str, tenant_id: str, context: IngestContext) -> None:
        import numpy as np

        if not records:
            return
        model = self._embeddings.get(model_id, tenant_id)
        for start in range(0, len(records), EMBED_BATCH):
            context.check()
            batch = records[start : start + EMBED_BATCH]
            vectors = model.embed_documents([embedding_text(record) for record in batch])
            for record, vector in zip(batch, vectors, strict=True):
                record.vector = np.asarray(vector, dtype=np.float32)
            context.progress((start + len(batch)) / len(records))


def embedding_text(record: ChunkRecord) -> str:
    """What a graph record's vector is made of: its names with its description."""
    fields = record.graph
    if fields is None or fields.part is GraphPart.COMMUNITY:
        return record.content
    if fields.part is GraphPart.ENTITY:
        return f"{fields.name}: {record.content}"
    return f"{fields.source} — {fields.target}: {record.content}"
