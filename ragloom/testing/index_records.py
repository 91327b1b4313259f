"""Records for the index conformance tests: chunks and memory messages, analysed the way
ingestion and memories analyse them."""

from __future__ import annotations

import numpy as np
import pytest

from ragloom.nlp import TextAnalyzer
from ragloom.storage.index import Capability, ChunkIndex, ChunkRecord, MessageFields

ANALYZER = TextAnalyzer()


class IndexTests:
    """What every conformance mixin needs: the backend's empty index, and skipping on a
    capability it does not declare."""

    @pytest.fixture
    def chunk_index(self) -> ChunkIndex:
        raise NotImplementedError("a backend's test class provides an empty index")

    @staticmethod
    def require(index: ChunkIndex, capability: Capability) -> None:
        if capability not in index.capabilities:
            pytest.skip(f"backend does not declare {capability}")


def chunk(
    chunk_id: str,
    content: str,
    *,
    dataset_id: str = "ds1",
    document_id: str = "doc1",
    order: int = 0,
    vector: list[float] | None = None,
    **fields: object,
) -> ChunkRecord:
    """A chunk with its terms analysed the way ingestion analyses them."""
    record = ChunkRecord(
        id=chunk_id,
        dataset_id=dataset_id,
        document_id=document_id,
        document_name=f"{document_id}.txt",
        content=content,
        order=order,
        content_terms=ANALYZER.joined(content),
        content_fine_terms=ANALYZER.joined_fine(content),
        token_count=len(content.split()),
        vector=None if vector is None else np.asarray(vector, dtype=np.float32),
    )
    for name, value in fields.items():
        setattr(record, name, value)
    return record


def unit(*values: float) -> list[float]:
    array = np.asarray(values, dtype=np.float32)
    return list(array / np.linalg.norm(array))


def message(
    message_id: int,
    content: str,
    *,
    memory_id: str = "m1",
    size: int = 10,
    valid_at: float | None = None,
    vector: list[float] | None = None,
    available: bool = True,
    **fields: object,
) -> ChunkRecord:
    """A message of a memory (raw unless ``message_type`` says otherwise); ``valid_at``
    defaults to ``message_id`` seconds, so higher ids are newer. Other ``fields`` are set on
    the message's fields when they are message fields, else on the record."""
    details = MessageFields(
        message_id=message_id,
        message_type="raw",
        valid_at=float(message_id) if valid_at is None else valid_at,
        size=size,
    )
    record = ChunkRecord(
        id=str(message_id),
        dataset_id=memory_id,
        document_id="",
        document_name="",
        content=content,
        available=available,
        content_terms=ANALYZER.joined(content),
        content_fine_terms=ANALYZER.joined_fine(content),
        vector=None if vector is None else np.asarray(vector, dtype=np.float32),
        message=details,
    )
    for name, value in fields.items():
        setattr(details if hasattr(details, name) else record, name, value)
    return record
