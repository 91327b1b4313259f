"""Queries on retrieval-quality evaluations."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ragloom.storage.metadata.tables import Evaluation, Task

SORTABLE_EVALUATION_COLUMNS = ("create_time", "update_time", "name")


@dataclass(frozen=True)
class EvaluationQuery:
    """A page of one tenant's evaluations (optionally of one dataset) in a chosen order;
    ``orderby`` is one of :data:`SORTABLE_EVALUATION_COLUMNS`."""

    tenant_id: str
    dataset_id: str | None = None
    orderby: str = "create_time"
    desc: bool = True
    offset: int = 0
    limit: int | None = None


class EvaluationRepository:
    """Evaluations, in one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, evaluation: Evaluation) -> Evaluation:
        self._session.add(evaluation)
        self._session.flush()
        return evaluation

    def get(self, evaluation_id: str) -> Evaluation | None:
        """The evaluation with this id, whoever owns it (for workers; callers check ownership)."""
        return self._session.get(Evaluation, evaluation_id)

    def owned(self, tenant_id: str, evaluation_id: str) -> Evaluation | None:
        """The evaluation if it exists and belongs to ``tenant_id``."""
        evaluation = self._session.get(Evaluation, evaluation_id)
        return evaluation if evaluation is not None and evaluation.tenant_id == tenant_id else None

    def owned_ids(self, tenant_id: str, evaluation_ids: Collection[str]) -> set[str]:
        """Those of the ids that are evaluations of ``tenant_id``."""
        ids = list(dict.fromkeys(evaluation_ids))
        if not ids:
            return set()
        query = select(Evaluation.id).where(Evaluation.id.in_(ids), Evaluation.tenant_id == tenant_id)
        return set(self._session.scalars(query))

    def find(self, query: EvaluationQuery) -> tuple[list[tuple[Evaluation, Task | None]], int]:
        """One page of the tenant's evaluations, each with its task, and how many there are in all."""
        conditions = [Evaluation.tenant_id == query.tenant_id]
        if query.dataset_id:
            conditions.append(Evaluation.dataset_id == query.dataset_id)
        total = self._session.scalar(select(func.count()).select_from(Evaluation).where(*conditions)) or 0
        column = getattr(Evaluation, query.orderby if query.orderby in SORTABLE_EVALUATION_COLUMNS else "create_time")
        order = [column.desc(), Evaluation.id.desc()] if query.desc else [column.asc(), Evaluation.id.asc()]
        statement = (
            select(Evaluation, Task)
            .outerjoin(Task, Task.id == Evaluation.id)
            .where(*conditions)
            .order_by(*order)
            .offset(query.offset)
        )
        if query.limit is not None:
            statement = statement.limit(query.limit)
        rows: list[tuple[Evaluation, Task | None]] = list(self._session.execute(statement).tuples())
        return rows, total

    def remove(self, evaluation_ids: Collection[str]) -> None:
        """Delete the evaluations and their tasks (a worker still running one finds its task gone)."""
        ids = list(evaluation_ids)
        if not ids:
            return
        self._session.execute(delete(Task).where(Task.id.in_(ids)))
        self._session.execute(delete(Evaluation).where(Evaluation.id.in_(ids)))
