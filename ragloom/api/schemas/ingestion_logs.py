"""Ingestion log entries and the ingestion summary as the API shows them (contract §13.3).

An entry has the fields of a RAGFlow file-level pipeline log, filled from a parse task and
its document; ``attempts`` (how many times a worker took the task) is ragloom's own.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ragloom.api.params import page_and_size, sane_page
from ragloom.api.schemas.datasets import RUN_COUNT_FIELDS
from ragloom.api.schemas.loose import Sent, SortedPageQuery
from ragloom.clock import http_date
from ragloom.services.ingestion_logs import IngestionLog, IngestionLogListing
from ragloom.storage.metadata.datasets import DatasetCounts


class IngestionLogsQuery(SortedPageQuery):
    """``GET /datasets/{id}/ingestions``: a page of the log, newest first unless ``desc=false``."""

    orderby: Sent[Literal["create_time", "update_time"]] = None
    operation_status: Sent[list[str]] = Field(
        None, description="Only these states: run digits (0-4) or UNSTART, RUNNING, CANCEL, DONE, FAIL."
    )
    create_date_from: Sent[str] = Field(None, description="YYYY-MM-DD.")
    create_date_to: Sent[str] = Field(None, description="YYYY-MM-DD.")
    keywords: Sent[str] = Field(None, description="In the document's name.")
    log_type: Sent[Literal["file", "dataset"]] = None

    def listing(self) -> IngestionLogListing:
        params = self.given()
        page, page_size = sane_page(*page_and_size(params))
        return IngestionLogListing(
            page=page,
            page_size=page_size,
            orderby=self.orderby_or("create_time"),
            desc=self.descending(),
            statuses=tuple(value for value in params.get("operation_status") or () if value),
            created_from=params.get("create_date_from") or None,
            created_to=params.get("create_date_to") or None,
            keywords=params.get("keywords") or None,
            log_type=params.get("log_type") or "file",
        )


_PROGRESS = {"3": 1.0, "4": -1.0, "2": 0.0}


def _progress(log: IngestionLog) -> tuple[float, str]:
    """The document's own progress and log belong to its latest run; an earlier run shows its outcome."""
    if log.latest:
        return log.document.progress, log.document.progress_msg
    return _PROGRESS.get(log.operation_status, 0.0), log.task.error


def ingestion_log_item(log: IngestionLog) -> dict[str, Any]:
    """One log entry."""
    task, document = log.task, log.document
    progress, message = _progress(log)
    duration = (task.end_time - task.begin_time) / 1000 if task.end_time and task.begin_time else 0.0
    return {
        "id": task.id,
        "document_id": document.id,
        "document_name": document.name,
        "document_suffix": document.suffix,
        "document_type": document.type,
        "tenant_id": task.tenant_id,
        "kb_id": task.dataset_id,
        "pipeline_id": None,
        "pipeline_title": "",
        "parser_id": document.chunk_method,
        "source_from": document.source_type,
        "task_type": "Parse",
        "operation_status": log.operation_status,
        "progress": progress,
        "progress_msg": message,
        "process_begin_at": http_date(task.begin_time),
        "process_duration": round(duration, 3),
        "attempts": task.attempts,
        "dsl": {},
        "avatar": "",
        "status": "1",
        "create_time": task.create_time,
        "create_date": http_date(task.create_time),
        "update_time": task.update_time,
        "update_date": http_date(task.update_time),
    }


def ingestion_summary(counts: DatasetCounts) -> dict[str, Any]:
    """``{"doc_num", "chunk_num", "token_num", "status"}``, the status as document counts per run state."""
    return {
        "doc_num": counts.document_count,
        "chunk_num": counts.chunk_count,
        "token_num": counts.token_num,
        "status": {field: counts.runs.get(run, 0) for run, field in RUN_COUNT_FIELDS.items()},
    }
