"""The task row of a dataset-wide build (knowledge graph, RAPTOR), as RAGFlow's ``trace_graphrag`` /
``trace_raptor`` (``GET /datasets/{id}/index?type=…``) return it, with the task's ``status`` and
dataset beside RAGFlow's columns."""

from __future__ import annotations

from typing import Any

from ragloom.clock import http_date
from ragloom.enrich.raptor_build import DATASET_OWNER
from ragloom.storage.metadata.tables import Task

WHOLE_DOCUMENT = 100_000_000
"""RAGFlow's page bounds of a task over whole documents."""


def task_row(task: Task, task_type: str) -> dict[str, Any]:
    """``task`` as RAGFlow's task row; ``task_type`` is RAGFlow's name of the build (``graphrag``, ``raptor``)."""
    ended = task.end_time or task.update_time
    return {
        "id": task.id,
        "doc_id": DATASET_OWNER,
        "kb_id": task.dataset_id,
        "from_page": WHOLE_DOCUMENT,
        "to_page": WHOLE_DOCUMENT,
        "task_type": task_type,
        "priority": 0,
        "status": task.status,
        "begin_at": http_date(task.begin_time),
        "process_duration": round((ended - task.begin_time) / 1000, 3) if task.begin_time else 0.0,
        "progress": 1.0 if task.status == "done" else task.progress,
        "progress_msg": task.progress_msg,
        "retry_count": max(task.attempts - 1, 0),
        "digest": "",
        "chunk_ids": "",
        "create_time": task.create_time,
        "create_date": http_date(task.create_time),
        "update_time": task.update_time,
        "update_date": http_date(task.update_time),
    }
