"""Chunk drafts to index records: ids, analysed terms, token counts, what to embed."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import xxhash

from ragloom.ingest.model import ChunkDraft
from ragloom.nlp import TextAnalyzer, count_tokens
from ragloom.providers.embedding import normalized
from ragloom.services.names import split_extension
from ragloom.storage.index import ChunkRecord

if TYPE_CHECKING:
    from ragloom.providers.embedding import Vectors


def chunk_id(content: str, document_id: str) -> str:
    """RAGFlow's chunk id: xxhash64 of the content followed by the document id."""
    return xxhash.xxh64((content + document_id).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Target:
    """The document chunks are made for."""

    dataset_id: str
    document_id: str
    document_name: str


def analysed(record: ChunkRecord, analyzer: TextAnalyzer) -> ChunkRecord:
    """Fill ``record``'s term fields and token count from its text fields."""
    coarse, fine = analyzer.both(record.content)
    record.content_terms, record.content_fine_terms = " ".join(coarse), " ".join(fine)
    record.title_terms = analyzer.joined(split_extension(record.document_name)[0])
    analysed_additions(record, analyzer)
    record.token_count = count_tokens(record.content)
    return record


def analysed_additions(record: ChunkRecord, analyzer: TextAnalyzer) -> ChunkRecord:
    """Fill ``record``'s keyword and question terms (again, after enrichment added some)."""
    record.important_terms = analyzer.joined(" ".join(record.important_keywords))
    record.question_terms = analyzer.joined(" ".join(record.questions))
    return record


DEFAULT_TITLE_WEIGHT = 0.1


def title_weight(config: Mapping[str, object]) -> float:
    """``filename_embd_weight`` from a parser config (RAGFlow's default 0.1)."""
    value = config.get("filename_embd_weight", DEFAULT_TITLE_WEIGHT)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return DEFAULT_TITLE_WEIGHT
    return float(value)


def blend_title(title_vector: Vectors, vectors: Vectors, weight: float) -> Vectors:
    """RAGFlow's chunk vectors: ``weight`` of the document title's vector, the rest the chunk's."""
    return normalized(weight * title_vector + (1 - weight) * vectors)


def embedding_text(record: ChunkRecord) -> str:
    """What a chunk's vector is computed from: its questions when it has any, else its content."""
    return "\n".join(record.questions) if record.questions else record.content


def build_records(target: Target, drafts: list[ChunkDraft], analyzer: TextAnalyzer) -> list[ChunkRecord]:
    """Records for ``drafts`` in order, children after their parent.

    Ids follow RAGFlow (content + document id) and stay stable across re-parses; a draft
    repeating an earlier one's content gets its position mixed in, so none overwrites another.
    """
    records: list[ChunkRecord] = []
    used: set[str] = set()
    created = time.time()
    for order, draft in enumerate(drafts):
        identifier = chunk_id(draft.content, target.document_id)
        if identifier in used:
            identifier = chunk_id(f"{draft.content}\x00{order}", target.document_id)
        used.add(identifier)
        parent = ChunkRecord(
            id=identifier,
            dataset_id=target.dataset_id,
            document_id=target.document_id,
            document_name=target.document_name,
            content=draft.content,
            order=order,
            important_keywords=list(draft.important_keywords),
            questions=list(draft.questions),
            tag_keywords=list(draft.tag_keywords),
            positions=[position.as_list() for position in draft.positions],
            doc_type=draft.doc_type,
            created_at=created,
            extra={"fields": draft.fields} if draft.fields else {},
        )
        records.append(analysed(parent, analyzer))
        for number, child in enumerate(draft.children):
            child_record = ChunkRecord(
                id=chunk_id(f"{identifier}\x00{number}\x00{child}", target.document_id),
                dataset_id=target.dataset_id,
                document_id=target.document_id,
                document_name=target.document_name,
                content=child,
                order=order,
                parent_id=identifier,
                created_at=created,
            )
            records.append(analysed(child_record, analyzer))
    return records
