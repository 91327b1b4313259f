"""Queries on datasets, including the counts aggregated from their documents."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ragloom.storage.metadata.tables import Dataset, Document, Evaluation, Task


@dataclass(frozen=True)
class DatasetCounts:
    """What a dataset holds, summed over its documents."""

    document_count: int = 0
    chunk_count: int = 0
    token_num: int = 0
    size: int = 0
    runs: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetQuery:
    """Filters, order and page of a dataset listing (always within one tenant)."""

    tenant_id: str
    dataset_ids: tuple[str, ...] | None = None  # None: every dataset of the tenant
    name_key: str | None = None
    name_contains: str | None = None
    chunk_method: str | None = None
    orderby: str = "create_time"
    desc: bool = True
    offset: int = 0
    limit: int | None = None


class DatasetRepository:
    """Datasets, in one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, dataset: Dataset) -> Dataset:
        self._session.add(dataset)
        self._session.flush()
        return dataset

    def get(self, dataset_id: str) -> Dataset | None:
        """The dataset with this id, whoever owns it (callers check ownership)."""
        return self._session.get(Dataset, dataset_id)

    def lock(self, dataset_id: str) -> Dataset | None:
        """Read the dataset and hold its row lock until the transaction ends (see TenantRepository.lock)."""
        return self._session.scalar(select(Dataset).where(Dataset.id == dataset_id).with_for_update())

    def owned(self, tenant_id: str, dataset_id: str) -> Dataset | None:
        """The dataset if it exists and belongs to ``tenant_id``."""
        dataset = self._session.get(Dataset, dataset_id)
        return dataset if dataset is not None and dataset.tenant_id == tenant_id else None

    def owned_many(self, tenant_id: str, dataset_ids: Collection[str]) -> dict[str, Dataset]:
        """Of ``dataset_ids``, the datasets that exist and belong to ``tenant_id``, by id (one statement)."""
        if not dataset_ids:
            return {}
        query = select(Dataset).where(Dataset.tenant_id == tenant_id, Dataset.id.in_(list(dataset_ids)))
        return {dataset.id: dataset for dataset in self._session.scalars(query)}

    def named(self, tenant_id: str, name: str) -> Dataset | None:
        """The tenant's dataset called ``name`` (names are unique per tenant, ignoring case)."""
        return self._session.scalar(
            select(Dataset).where(Dataset.tenant_id == tenant_id, Dataset.name_key == name.lower()).limit(1)
        )

    def owned_ids(self, tenant_id: str, dataset_ids: Collection[str]) -> set[str]:
        if not dataset_ids:
            return set()
        query = select(Dataset.id).where(Dataset.tenant_id == tenant_id, Dataset.id.in_(list(dataset_ids)))
        return set(self._session.scalars(query))

    def of_tenant(self, tenant_id: str) -> list[Dataset]:
        return list(self._session.scalars(select(Dataset).where(Dataset.tenant_id == tenant_id)))

    def owners_and_ids(self) -> list[tuple[str, str]]:
        """``(tenant_id, id)`` of every dataset."""
        return [
            (tenant_id, dataset_id)
            for tenant_id, dataset_id in self._session.execute(select(Dataset.tenant_id, Dataset.id))
        ]

    def all_ids(self, tenant_id: str) -> list[str]:
        return list(self._session.scalars(select(Dataset.id).where(Dataset.tenant_id == tenant_id)))

    def name_key_taken(self, tenant_id: str, name_key: str, *, except_id: str | None = None) -> bool:
        query = select(Dataset.id).where(Dataset.tenant_id == tenant_id, Dataset.name_key == name_key)
        if except_id is not None:
            query = query.where(Dataset.id != except_id)
        return self._session.scalar(query.limit(1)) is not None

    def page(self, query: DatasetQuery) -> tuple[list[Dataset], int]:
        """One page of datasets and the number matching before paging."""
        statement = select(Dataset).where(Dataset.tenant_id == query.tenant_id)
        if query.dataset_ids is not None:
            statement = statement.where(Dataset.id.in_(query.dataset_ids))
        if query.name_key is not None:
            statement = statement.where(Dataset.name_key == query.name_key)
        if query.name_contains:
            statement = statement.where(Dataset.name_key.contains(query.name_contains.lower(), autoescape=True))
        if query.chunk_method is not None:
            statement = statement.where(Dataset.chunk_method == query.chunk_method)
        total = self._session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        column = Dataset.update_time if query.orderby == "update_time" else Dataset.create_time
        statement = statement.order_by(column.desc() if query.desc else column.asc(), Dataset.id)
        statement = statement.offset(query.offset)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return list(self._session.scalars(statement)), total

    def counts(self, dataset_ids: Collection[str]) -> dict[str, DatasetCounts]:
        """Counts per dataset; datasets without documents get zeros."""
        if not dataset_ids:
            return {}
        ids = list(dataset_ids)
        sums = self._session.execute(
            select(
                Document.dataset_id,
                func.count(Document.id),
                func.coalesce(func.sum(Document.chunk_count), 0),
                func.coalesce(func.sum(Document.token_count), 0),
                func.coalesce(func.sum(Document.size), 0),
            )
            .where(Document.dataset_id.in_(ids))
            .group_by(Document.dataset_id)
        )
        runs: dict[str, dict[str, int]] = {dataset_id: {} for dataset_id in ids}
        for dataset_id, run, number in self._session.execute(
            select(Document.dataset_id, Document.run, func.count(Document.id))
            .where(Document.dataset_id.in_(ids))
            .group_by(Document.dataset_id, Document.run)
        ):
            runs[dataset_id][run] = number
        result = {dataset_id: DatasetCounts(runs=runs[dataset_id]) for dataset_id in ids}
        for dataset_id, documents, chunks, tokens, size in sums:
            result[dataset_id] = DatasetCounts(
                document_count=documents,
                chunk_count=int(chunks),
                token_num=int(tokens),
                size=int(size),
                runs=runs[dataset_id],
            )
        return result

    def delete(self, dataset_ids: Collection[str]) -> int:
        """Delete datasets and (through the foreign key) their document rows and evaluations, with
        every task of theirs: parses, evaluations and the dataset-wide builds (graph, RAPTOR, mind map).
        A worker running one finds its task gone and removes what it wrote."""
        if not dataset_ids:
            return 0
        ids = list(dataset_ids)
        evaluations = select(Evaluation.id).where(Evaluation.dataset_id.in_(ids))
        self._session.execute(delete(Task).where(Task.id.in_(evaluations)))
        # A memory's tasks carry the memory's id in dataset_id; never one of these.
        self._session.execute(delete(Task).where(Task.dataset_id.in_(ids), Task.memory_id.is_(None)))
        self._session.execute(delete(Document).where(Document.dataset_id.in_(ids)))
        result = self._session.execute(delete(Dataset).where(Dataset.id.in_(ids)))
        return int(result.rowcount)  # type: ignore[attr-defined]
