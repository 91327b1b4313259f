"""Chunks of a document: list, read, add, update, delete, switch on and off (contract §6).

After every change the document's ``chunk_count`` and ``token_count`` are recomputed from
the index while its row is locked, so concurrent changes cannot leave them wrong (the
dataset's counts are sums over its documents).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ragloom.clock import now_ms
from ragloom.errors import DataError
from ragloom.ingest.records import DEFAULT_TITLE_WEIGHT, analysed, blend_title, chunk_id, embedding_text
from ragloom.nlp import TextAnalyzer
from ragloom.nlp.analyzer import has_han
from ragloom.nlp.highlight import highlight
from ragloom.providers.embedding import EmbeddingModels
from ragloom.services.names import split_extension
from ragloom.services.tenants import Caller
from ragloom.storage.blobs import BlobStore
from ragloom.storage.index import ChunkIndex, ChunkRecord
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.tables import Dataset, Document

if TYPE_CHECKING:
    pass

_QA_SEPARATOR = re.compile(r"[\n\t]")

IMAGE_NOT_FOUND = "Image not found."
"""RAGFlow's refusal of a chunk image id that names no image (code 102)."""


@dataclass
class ChunkChanges:
    """The fields of an update request that were sent (validated)."""

    content: str | None = None
    important_keywords: list[str] | None = None
    questions: list[str] | None = None
    tag_keywords: list[str] | None = None
    tag_features: dict[str, float] | None = None
    positions: list[list[int]] | None = None
    available: bool | None = None
    image: bytes | None = None


@dataclass
class NewChunk:
    """A validated add request."""

    content: str
    important_keywords: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    tag_keywords: list[str] = field(default_factory=list)
    tag_features: dict[str, float] = field(default_factory=dict)
    image: bytes | None = None


@dataclass(frozen=True)
class ChunkPage:
    """One page of a document's chunks."""

    chunks: list[ChunkRecord]
    total: int
    document: Document


def chunk_time(timestamp: float) -> str:
    """A chunk's ``create_time``: ``YYYY-MM-DD HH:MM:SS`` (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(timestamp))


def image_folder(tenant_id: str, dataset_id: str) -> str:
    """The blob-key prefix of a dataset's chunk images."""
    return f"{tenant_id}/{dataset_id}/images/"


def image_key(dataset: Dataset, chunk: str) -> str:
    return f"{image_folder(dataset.tenant_id, dataset.id)}{chunk}"


def qa_content(content: str) -> tuple[str, str]:
    """A Q&A chunk's text as (question, answer), or the error RAGFlow gives."""
    parts = [part for part in _QA_SEPARATOR.split(content) if len(part) > 1]
    if len(parts) != 2:
        raise DataError("Q&A must be separated by TAB/ENTER key.")
    question = re.sub(r"^(Question|问题)[:：]\s*", "", parts[0].strip())
    answer = re.sub(r"^(Answer|回答)[:：]\s*", "", parts[1].strip())
    return question, answer


class ChunkService:
    """The rules of chunks; every method is scoped to the caller's tenant."""

    def __init__(
        self,
        store: MetadataStore,
        blobs: BlobStore,
        index: ChunkIndex,
        embeddings: EmbeddingModels,
        analyzer: TextAnalyzer,
    ) -> None:
        self._store = store
        self._blobs = blobs
        self._index = index
        self._embeddings = embeddings
        self._analyzer = analyzer

    def _owned(self, caller: Caller, dataset_id: str, document_id: str) -> tuple[Dataset, Document]:
        with self._store.reading() as tx:
            dataset = tx.datasets.owned(caller.tenant_id, dataset_id)
            if dataset is None:
                raise DataError(f"You don't own the dataset {dataset_id}.")
            document = tx.documents.in_dataset(dataset_id, document_id)
            if document is None:
                raise DataError(f"You don't own the document {document_id}.")
        return dataset, document

    def _sync_counts(self, dataset_id: str, document_id: str) -> None:
        with self._store.writing() as tx:
            document = tx.documents.lock(document_id)
            if document is None:
                return
            stats = self._index.document_stats(dataset_id, document_id)
            document.chunk_count, document.token_count = stats.chunk_count, stats.token_count
            document.update_time = now_ms()

    def _embed(self, dataset: Dataset, record: ChunkRecord) -> None:
        import numpy as np

        model = self._embeddings.get(dataset.embedding_model, dataset.tenant_id)
        title = split_extension(record.document_name)[0]
        vectors = model.embed_documents([title, embedding_text(record)])
        record.vector = np.asarray(blend_title(vectors[0], vectors[1], DEFAULT_TITLE_WEIGHT), np.float32)

    # ---- reads --------------------------------------------------------------------------------

    def list_page(
        self,
        caller: Caller,
        dataset_id: str,
        document_id: str,
        *,
        keywords: str = "",
        chunk: str = "",
        available: bool | None = None,
        page: int = 1,
        page_size: int = 30,
    ) -> ChunkPage:
        """A page of the document's chunks in document order; content highlighted for ``keywords``."""
        _dataset, document = self._owned(caller, dataset_id, document_id)
        if chunk:
            record = self._index.get(dataset_id, chunk)
            if record is None or record.document_id != document_id or record.parent_id:
                raise DataError(f"Chunk not found: {dataset_id}/{chunk}")
            return ChunkPage([record], 1, document)
        terms = self._analyzer.terms(keywords) if keywords.strip() else []
        records, total = self._index.page(
            dataset_id,
            document_id,
            terms=terms,
            available=available,
            offset=(page - 1) * page_size,
            limit=page_size,
        )
        if terms:
            for record in records:
                record.content = highlight(record.content, set(self._analyzer.fine_terms(keywords)), self._analyzer)
        return ChunkPage(records, total, document)

    def get(self, caller: Caller, dataset_id: str, document_id: str, chunk: str) -> ChunkRecord:
        self._owned(caller, dataset_id, document_id)
        record = self._index.get(dataset_id, chunk)
        if record is None or record.document_id != document_id:
            raise DataError("Chunk not found!")
        return record

    def image(self, caller: Caller, image_id: str) -> bytes:
        """A chunk image by its id ``<dataset_id>-<chunk_id>``."""
        dataset_id, _, chunk = image_id.partition("-")
        with self._store.reading() as tx:
            dataset = tx.datasets.owned(caller.tenant_id, dataset_id)
        if dataset is None or not chunk:
            raise DataError(IMAGE_NOT_FOUND)
        key = image_key(dataset, chunk)
        if not re.fullmatch(r"[0-9a-f]{16}", chunk) or not self._blobs.exists(key):
            raise DataError(IMAGE_NOT_FOUND)
        return self._blobs.get(key)

    # ---- writes -------------------------------------------------------------------------------

    def add(self, caller: Caller, dataset_id: str, document_id: str, new: NewChunk) -> ChunkRecord:
        """Add a chunk (same content in the same document replaces it) and make it searchable at once."""
        dataset, document = self._owned(caller, dataset_id, document_id)
        identifier = chunk_id(new.content, document_id)
        record = ChunkRecord(
            id=identifier,
            dataset_id=dataset_id,
            document_id=document_id,
            document_name=document.name,
            content=new.content,
            order=now_ms(),  # added chunks list after parsed ones (whose order is their position), oldest first
            important_keywords=list(new.important_keywords),
            questions=[question for question in new.questions if question.strip()],
            tag_keywords=list(new.tag_keywords),
            tag_features=dict(new.tag_features),
            created_at=time.time(),
        )
        if new.image is not None:
            self._store_image(dataset, identifier, new.image)
            record.image_id = f"{dataset_id}-{identifier}"
        analysed(record, self._analyzer)
        self._embed(dataset, record)
        self._index.upsert([record])
        self._sync_counts(dataset_id, document_id)
        return record

    def _store_image(self, dataset: Dataset, chunk: str, image: bytes) -> None:
        try:
            self._blobs.put(image_key(dataset, chunk), image)
        except OSError as error:
            raise DataError("Failed to store chunk image") from error

    def update(self, caller: Caller, dataset_id: str, document_id: str, chunk: str, changes: ChunkChanges) -> None:
        """Apply the sent fields; a change of text re-analyses and re-embeds the chunk."""
        dataset, document = self._owned(caller, dataset_id, document_id)
        record = self._index.get(dataset_id, chunk, with_vector=True)
        if record is None or record.document_id != document_id:
            raise DataError(f"Can't find this chunk {chunk}")
        text_changed = False
        if changes.content is not None:
            if document.chunk_method == "qa":
                question, answer = qa_content(changes.content)
                chinese = has_han(question + answer)
                record.content = (
                    f"问题：{question}\t回答：{answer}" if chinese else f"Question: {question}\tAnswer: {answer}"
                )
                record.questions = [question]
            else:
                record.content = changes.content
            text_changed = True
        if changes.important_keywords is not None:
            record.important_keywords, text_changed = list(changes.important_keywords), True
        if changes.questions is not None:
            record.questions, text_changed = [q for q in changes.questions if q.strip()], True
        if changes.tag_keywords is not None:
            record.tag_keywords = list(changes.tag_keywords)
        if changes.tag_features is not None:
            record.tag_features = dict(changes.tag_features)
        if changes.positions is not None:
            record.positions = [list(position) for position in changes.positions]
        if changes.available is not None:
            record.available = changes.available
        if changes.image is not None:
            self._store_image(dataset, chunk, changes.image)
            record.image_id = f"{dataset_id}-{chunk}"
        if text_changed:
            analysed(record, self._analyzer)
            self._embed(dataset, record)
        self._index.upsert([record])
        self._sync_counts(dataset_id, document_id)

    def delete(self, caller: Caller, dataset_id: str, document_id: str, chunk_ids: list[str], delete_all: bool) -> int:
        """Delete those chunks (or all); raises if fewer than asked for existed (the others still go)."""
        self._owned(caller, dataset_id, document_id)
        if not chunk_ids:
            if not delete_all:
                return 0
            deleted = self._index.delete(dataset_id, document_ids=[document_id])
            self._sync_counts(dataset_id, document_id)
            return deleted
        unique = list(dict.fromkeys(chunk_ids))
        owned = [record.id for record in self._index.fetch(dataset_id, unique) if record.document_id == document_id]
        deleted = self._index.delete(dataset_id, chunk_ids=owned) if owned else 0
        self._sync_counts(dataset_id, document_id)
        if deleted != len(unique):
            raise DataError(f"rm_chunk deleted chunks {deleted}, expect {len(unique)}")
        return deleted

    def set_available(self, caller: Caller, dataset_id: str, document_id: str, chunk_ids: list[str], on: bool) -> int:
        """Switch the listed chunks of the document on or off."""
        self._owned(caller, dataset_id, document_id)
        owned = [record.id for record in self._index.fetch(dataset_id, chunk_ids) if record.document_id == document_id]
        return self._index.set_available(dataset_id, on, chunk_ids=owned) if owned else 0

    def raw(self, record: ChunkRecord) -> dict[str, Any]:
        """The stored chunk under RAGFlow's internal field names (the get-one route's shape)."""
        return {
            "id": record.id,
            "doc_id": record.document_id,
            "kb_id": record.dataset_id,
            "docnm_kwd": record.document_name,
            "content_with_weight": record.content,
            "important_kwd": record.important_keywords,
            "question_kwd": record.questions,
            "tag_kwd": record.tag_keywords,
            "tag_feas": record.tag_features,
            "img_id": record.image_id,
            "available_int": int(record.available),
            "position_int": record.positions,
            "page_num_int": [position[0] for position in record.positions],
            "top_int": [position[3] for position in record.positions],
            "doc_type_kwd": record.doc_type,
            "mom_id": record.parent_id,
            "create_time": chunk_time(record.created_at),
            "create_timestamp_flt": record.created_at,
            **({"fields": record.extra["fields"]} if "fields" in record.extra else {}),
            # a RAPTOR summary, as RAGFlow marks it: raptor_kwd "raptor" and its level
            **{key: record.extra[key] for key in ("raptor_kwd", "raptor_layer_int") if key in record.extra},
        }
