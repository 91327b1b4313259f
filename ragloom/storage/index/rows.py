"""A record as a row of an SQL index: the columns every SQL backend stores, in one order, and the
conversion both ways (vectors aside: each backend stores them its own way).

Lists and mappings are stored as JSON text; a memory message's fields and a graph record's fields
have columns of their own (:data:`MESSAGE_COLUMNS`, :data:`GRAPH_COLUMN`), ``kind`` says which.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ragloom.storage.index.records import ChunkRecord, GraphFields, MessageFields, RecordKind

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt

TERM_COLUMNS = ("content_terms", "content_fine_terms", "title_terms", "important_terms", "question_terms")
"""The columns of analysed terms full-text search reads, in the order of :data:`TERM_WEIGHTS`."""
TERM_WEIGHTS = (2.0, 1.0, 10.0, 20.0, 20.0)
"""RAGFlow's field boosts: content_ltks^2, content_sm_ltks^1, title_tks^10, important_tks^20, question_tks^20."""
MESSAGE_COLUMNS = (
    "kind",
    "message_id",
    "message_type",
    "message_source",
    "message_agent",
    "message_session",
    "message_user",
    "valid_at",
    "invalid_at",
    "forget_at",
    "message_size",
)
"""The record's kind and a message's fields (empty for other kinds, size 0)."""
GRAPH_COLUMN = "graph_fields"
"""A graph record's :class:`GraphFields` as JSON (empty for other kinds)."""
COLUMNS = (
    "id",
    "dataset_id",
    "document_id",
    "document_name",
    "content",
    "ord",
    "available",
    *TERM_COLUMNS,
    "important_keywords",
    "questions",
    "tag_keywords",
    "tag_features",
    "positions",
    "image_id",
    "doc_type",
    "parent_id",
    "token_count",
    "created_at",
    "extra",
    *MESSAGE_COLUMNS,
    GRAPH_COLUMN,
)
"""Every stored column but the vector, in the order of :func:`row_values`."""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def row_values(record: ChunkRecord) -> tuple[Any, ...]:
    """``record``'s values for :data:`COLUMNS` (``available`` as a bool, which SQLite stores as 1/0)."""
    message = record.message
    return (
        record.id,
        record.dataset_id,
        record.document_id,
        record.document_name,
        record.content,
        record.order,
        bool(record.available),
        record.content_terms,
        record.content_fine_terms,
        record.title_terms,
        record.important_terms,
        record.question_terms,
        _json(record.important_keywords),
        _json(record.questions),
        _json(record.tag_keywords),
        _json(record.tag_features),
        json.dumps(record.positions),
        record.image_id,
        record.doc_type,
        record.parent_id,
        record.token_count,
        record.created_at,
        _json(record.extra),
        record.kind.value,
        *(
            (None,) * 9 + (0,)
            if message is None
            else (
                message.message_id,
                message.message_type,
                message.source_id,
                message.agent_id,
                message.session_id,
                message.user_id,
                message.valid_at,
                message.invalid_at,
                message.forget_at,
                message.size,
            )
        ),
        None if record.graph is None else _json(record.graph.as_json()),
    )


def record_of(row: Sequence[Any], vector: npt.NDArray[np.float32] | None = None) -> ChunkRecord:
    """The record of a row read as :data:`COLUMNS`."""
    values = dict(zip(COLUMNS, row, strict=True))
    return ChunkRecord(
        id=values["id"],
        dataset_id=values["dataset_id"],
        document_id=values["document_id"],
        document_name=values["document_name"],
        content=values["content"],
        order=values["ord"],
        available=bool(values["available"]),
        content_terms=values["content_terms"],
        content_fine_terms=values["content_fine_terms"],
        title_terms=values["title_terms"],
        important_keywords=json.loads(values["important_keywords"]),
        important_terms=values["important_terms"],
        questions=json.loads(values["questions"]),
        question_terms=values["question_terms"],
        tag_keywords=json.loads(values["tag_keywords"]),
        tag_features=json.loads(values["tag_features"]),
        positions=json.loads(values["positions"]),
        image_id=values["image_id"],
        doc_type=values["doc_type"],
        parent_id=values["parent_id"],
        token_count=values["token_count"],
        created_at=values["created_at"],
        extra=json.loads(values["extra"]),
        vector=vector,
        message=_message_fields(values) if values["kind"] == RecordKind.MESSAGE else None,
        graph=(GraphFields.from_json(json.loads(values[GRAPH_COLUMN])) if values["kind"] == RecordKind.GRAPH else None),
    )


def _message_fields(values: dict[str, Any]) -> MessageFields:
    return MessageFields(
        message_id=int(values["message_id"]),
        message_type=values["message_type"],
        source_id=int(values["message_source"] or 0),
        agent_id=values["message_agent"] or "",
        session_id=values["message_session"] or "",
        user_id=values["message_user"] or "",
        valid_at=float(values["valid_at"] or 0.0),
        invalid_at=values["invalid_at"],
        forget_at=values["forget_at"],
        size=int(values["message_size"]),
    )
