"""What running a task of the queue means, whatever its kind: a handler per
:class:`~ragloom.services.task_ledger.TaskKind` turns a claimed task into a :class:`TaskResult`.

A handler runs a claimed task (reporting progress and stopping at the checkpoints of the
:class:`~ragloom.ingest.context.IngestContext` it is given), and discards what a task wrote
when it was cancelled or its subject deleted. The workers hold one handler per kind
(:func:`ragloom.workers.handlers.task_handlers`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ragloom.ingest.context import IngestContext
from ragloom.services.task_ledger import Abandoned, ClaimedTask, TaskKind


@dataclass(frozen=True)
class TaskResult:
    """A task done: the line its log ends with, and (parsing) what the document now holds."""

    message: str
    chunk_count: int = 0
    token_count: int = 0


class TaskHandler(Protocol):
    """Runs tasks of one kind."""

    def run(self, task: ClaimedTask, context: IngestContext) -> TaskResult:
        """Do the task; raise :class:`~ragloom.errors.RagloomError` with a user-facing reason when
        it fails, :class:`~ragloom.ingest.context.IngestCancelledError` when it should stop."""
        ...

    def discard(self, task: ClaimedTask | Abandoned) -> None:
        """Remove what the task wrote (it was cancelled, or what it worked on was deleted)."""
        ...


@runtime_checkable
class BatchTaskHandler(TaskHandler, Protocol):
    """Runs tasks of one kind, and several of them at once when a worker claimed a batch."""

    def run_many(self, tasks: Sequence[ClaimedTask], contexts: Sequence[IngestContext]) -> list[TaskResult | Exception]:
        """:meth:`run` of each task with its context, together: each task's result, or what
        ``run`` would have raised for it (one task's failure or cancellation is its own)."""
        ...


TaskHandlers = Mapping[TaskKind, TaskHandler]
