"""Datasets: create, list, read, update and delete, within the caller's tenant."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ragloom.clock import now_ms
from ragloom.enrich import EnricherRegistry, EnrichmentFailedError
from ragloom.enrich.model_choice import enrichment_model_id
from ragloom.errors import DataError, NotFoundError
from ragloom.ids import new_id
from ragloom.providers.catalog import ModelCatalog, ModelKind
from ragloom.services.blob_cleanup import remove_blobs
from ragloom.services.names import first_free_name
from ragloom.services.parser_config import config_for_create, config_for_update, method_defaults
from ragloom.services.retry import retry_on_conflict
from ragloom.services.task_ledger import TaskKind
from ragloom.services.tenants import Caller
from ragloom.storage.blobs import BlobStore
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.datasets import DatasetCounts, DatasetQuery
from ragloom.storage.metadata.tables import Dataset, Task, Tenant

NAME_BYTE_LIMIT = 128


BUILD_KINDS = (TaskKind.GRAPH.value, TaskKind.RAPTOR.value, TaskKind.MINDMAP.value)
"""The dataset-wide builds a dataset shows its newest task of (``graphrag_task_id``, …)."""


@dataclass(frozen=True)
class DatasetView:
    """A dataset with what is aggregated from its documents and who owns it."""

    record: Dataset
    counts: DatasetCounts
    owner: Tenant
    builds: dict[str, Task] = field(default_factory=dict)
    """The newest task of each dataset-wide build (:data:`BUILD_KINDS`) there was, by kind."""


@dataclass(frozen=True)
class NewDataset:
    """A validated create request."""

    name: str
    avatar: str | None = None
    description: str | None = None
    embedding_model: str | None = None
    permission: str = "me"
    chunk_method: str = "naive"
    parser_config: dict[str, Any] | None = None
    auto_metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class DatasetListing:
    """A validated list request."""

    dataset_id: str | None = None
    dataset_ids: tuple[str, ...] = ()
    name: str | None = None
    name_contains: str | None = None
    chunk_method: str | None = None
    owner_ids: list[str] | None = None
    page: int = 1
    page_size: int = 30
    orderby: str = "create_time"
    desc: bool = True


@dataclass
class DatasetChanges:
    """The keys of a validated update request that were actually sent."""

    values: dict[str, Any] = field(default_factory=dict)


def lacks_permission(caller: Caller, what: str) -> DataError:
    return DataError(f"User '{caller.tenant_id}' lacks permission for dataset '{what}'")


def require_owned(tx: Transaction, caller: Caller, dataset_ids: Collection[str]) -> None:
    """Refuse, naming them all, those of ``dataset_ids`` the caller does not own (nothing if empty)."""
    if not dataset_ids:
        return
    owned = tx.datasets.owned_ids(caller.tenant_id, dataset_ids)
    foreign = [dataset_id for dataset_id in dataset_ids if dataset_id not in owned]
    if foreign:
        raise DataError(f"User '{caller.tenant_id}' lacks permission for datasets: '{', '.join(foreign)}'")


def check_name_bytes(name: str) -> None:
    size = len(name.encode("utf-8"))
    if size > NAME_BYTE_LIMIT:
        raise DataError(f"Dataset name length is {size} which is large than {NAME_BYTE_LIMIT}")


def metadata_config_values(config: dict[str, Any]) -> dict[str, Any]:
    """Where an auto-metadata config lives inside ``parser_config``."""
    return {
        "metadata": list(config.get("metadata") or []),
        "built_in_metadata": list(config.get("built_in_metadata") or []),
        "enable_metadata": True,
    }


class DatasetService:
    """The rules of datasets; every method is scoped to the caller's tenant."""

    def __init__(
        self,
        store: MetadataStore,
        blobs: BlobStore,
        index: ChunkIndex,
        models: ModelCatalog,
        enrichers: EnricherRegistry | None = None,
    ) -> None:
        self._store = store
        self._enrichers = enrichers or EnricherRegistry()
        self._blobs = blobs
        self._index = index
        self._models = models

    def _view(self, tx: Transaction, datasets: list[Dataset]) -> list[DatasetView]:
        counts = tx.datasets.counts([dataset.id for dataset in datasets])
        builds = tx.tasks.newest_of_datasets([dataset.id for dataset in datasets], BUILD_KINDS)
        owners: dict[str, Tenant] = {}
        views = []
        for dataset in datasets:
            if dataset.tenant_id not in owners:
                owner = tx.tenants.get(dataset.tenant_id)
                if owner is None:
                    raise NotFoundError("Tenant not found")
                owners[dataset.tenant_id] = owner
            built = {kind: builds[(dataset.id, kind)] for kind in BUILD_KINDS if (dataset.id, kind) in builds}
            views.append(DatasetView(dataset, counts[dataset.id], owners[dataset.tenant_id], built))
        return views

    def create(self, caller: Caller, spec: NewDataset) -> DatasetView:
        """Create a dataset; a name already taken (case-insensitively) gets ``(1)``, ``(2)``..."""
        check_name_bytes(spec.name)
        tenant = self._tenant(caller)
        embedding_model = spec.embedding_model or tenant.embedding_model
        self._models.require(embedding_model, ModelKind.EMBEDDING, caller.tenant_id)
        config = config_for_create(spec.chunk_method, spec.parser_config, llm_id=tenant.chat_model)
        if spec.auto_metadata is not None:
            config.update(metadata_config_values(spec.auto_metadata))
        self._check_enrichment(config, tenant.chat_model, caller.tenant_id)

        def attempt() -> DatasetView:
            with self._store.writing() as tx:
                tx.tenants.lock(caller.tenant_id)
                name = first_free_name(
                    spec.name, lambda candidate: tx.datasets.name_key_taken(caller.tenant_id, candidate.lower())
                )
                now = now_ms()
                dataset = tx.datasets.add(
                    Dataset(
                        id=new_id(),
                        tenant_id=caller.tenant_id,
                        created_by=caller.tenant_id,
                        name=name,
                        name_key=name.lower(),
                        avatar=spec.avatar,
                        description=spec.description,
                        language="English",
                        embedding_model=embedding_model,
                        permission=spec.permission,
                        chunk_method=spec.chunk_method,
                        pipeline_id=None,
                        parser_config=config,
                        pagerank=0,
                        similarity_threshold=0.2,
                        vector_similarity_weight=0.3,
                        status="1",
                        create_time=now,
                        update_time=now,
                    )
                )
                return self._view(tx, [dataset])[0]

        return retry_on_conflict(attempt, what="the dataset")

    def _tenant(self, caller: Caller) -> Tenant:
        with self._store.reading() as tx:
            tenant = tx.tenants.get(caller.tenant_id)
        if tenant is None:
            raise DataError("Tenant not found")
        return tenant

    def list_page(self, caller: Caller, listing: DatasetListing) -> tuple[list[DatasetView], int]:
        """One page of the caller's datasets and how many there are in all."""
        if listing.owner_ids is not None and caller.tenant_id not in listing.owner_ids:
            return [], 0
        wanted = (listing.dataset_id,) if listing.dataset_id is not None else listing.dataset_ids
        name_key = listing.name.strip().lower() if listing.name is not None else None
        query = DatasetQuery(
            tenant_id=caller.tenant_id,
            dataset_ids=wanted or None,
            name_key=name_key,
            name_contains=listing.name_contains,
            chunk_method=listing.chunk_method,
            orderby=listing.orderby,
            desc=listing.desc,
            offset=(listing.page - 1) * listing.page_size,
            limit=listing.page_size,
        )
        with self._store.reading() as tx:
            if listing.dataset_id is not None and tx.datasets.owned(caller.tenant_id, listing.dataset_id) is None:
                raise lacks_permission(caller, listing.dataset_id)
            require_owned(tx, caller, listing.dataset_ids)
            # The name must be one of the caller's datasets; with other filters it may still list nothing.
            if name_key is not None and not tx.datasets.name_key_taken(caller.tenant_id, name_key):
                raise lacks_permission(caller, listing.name or "")
            datasets, total = tx.datasets.page(query)
            return self._view(tx, datasets), total

    def get(self, caller: Caller, dataset_id: str) -> DatasetView:
        with self._store.reading() as tx:
            dataset = tx.datasets.owned(caller.tenant_id, dataset_id)
            if dataset is None:
                raise lacks_permission(caller, dataset_id)
            return self._view(tx, [dataset])[0]

    def update(self, caller: Caller, dataset_id: str, changes: DatasetChanges) -> DatasetView:
        """Apply the sent keys; see the contract's §3.3 for each key's rules."""
        values = dict(changes.values)
        if not values:
            raise DataError("No properties were modified")
        if "name" in values:
            check_name_bytes(values["name"])
        embedding_model = values.pop("embedding_model", None)
        if embedding_model:
            self._models.require(embedding_model, ModelKind.EMBEDDING, caller.tenant_id)

        def attempt() -> DatasetView:
            with self._store.writing() as tx:
                if "name" in values:
                    tx.tenants.lock(caller.tenant_id)
                dataset = tx.datasets.owned(caller.tenant_id, dataset_id)
                if dataset is None:
                    raise lacks_permission(caller, dataset_id)
                self._apply(tx, caller, dataset, dict(values), embedding_model)
                tx.session.flush()
                return self._view(tx, [dataset])[0]

        return retry_on_conflict(attempt, what="the dataset")

    def _apply(
        self, tx: Transaction, caller: Caller, dataset: Dataset, values: dict[str, Any], embedding_model: str | None
    ) -> None:
        name = values.pop("name", None)
        renamed = name is not None and name.lower() != dataset.name_key
        if renamed and tx.datasets.name_key_taken(caller.tenant_id, name.lower(), except_id=dataset.id):
            raise DataError(f"Dataset name '{name}' already exists")
        if name is not None:
            dataset.name, dataset.name_key = name, name.lower()

        if embedding_model and embedding_model != dataset.embedding_model:
            chunk_count = tx.datasets.counts([dataset.id])[dataset.id].chunk_count
            if chunk_count > 0:
                raise DataError(
                    f"When chunk_num ({chunk_count}) > 0, embedding_model must remain {dataset.embedding_model}"
                )
            dataset.embedding_model = embedding_model

        parser_config = values.pop("parser_config", None)
        chunk_method = values.pop("chunk_method", None)
        if chunk_method is not None and chunk_method != dataset.chunk_method and not parser_config:
            tenant = tx.tenants.get(dataset.tenant_id)
            dataset.parser_config = method_defaults(chunk_method, llm_id=tenant.chat_model if tenant else "")
        elif parser_config:
            dataset.parser_config = config_for_update(dataset.parser_config, parser_config)
        if chunk_method is not None:
            dataset.chunk_method = chunk_method

        auto_metadata = values.pop("auto_metadata_config", None)
        if auto_metadata is not None:
            dataset.parser_config = {**dataset.parser_config, **metadata_config_values(auto_metadata)}
        if parser_config or auto_metadata is not None:
            tenant = tx.tenants.get(dataset.tenant_id)
            self._check_enrichment(dataset.parser_config, tenant.chat_model if tenant else "", dataset.tenant_id)

        for key in ("avatar", "description", "permission", "pagerank", "language"):
            if key in values:
                setattr(dataset, key, values[key])
        dataset.update_time = now_ms()

    def _check_enrichment(self, config: dict[str, Any], tenant_chat_model: str, tenant_id: str) -> None:
        """Refuse a config asking for enrichment (keywords, questions, ...) when no chat model can do it."""
        asked = [enricher.name for enricher in self._enrichers if enricher.requested(config)]
        if not asked:
            return
        try:
            enrichment_model_id(self._models, config, tenant_chat_model, tenant_id, ", ".join(asked))
        except EnrichmentFailedError as error:
            raise DataError(error.message) from None

    def delete(self, caller: Caller, dataset_ids: list[str] | None, delete_all: bool) -> int:
        """Delete datasets with their documents and files; all-or-nothing on ownership."""
        with self._store.writing() as tx:
            if dataset_ids:
                require_owned(tx, caller, dataset_ids)
                targets = list(dataset_ids)
            elif delete_all:
                targets = tx.datasets.all_ids(caller.tenant_id)
            else:
                return 0
            locations = [document.location for document in tx.documents.of_datasets(targets)]
            deleted = tx.datasets.delete(targets)
        self._index.delete_datasets(targets)
        remove_blobs(self._blobs, locations)
        return deleted

    def metadata_config(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """The dataset's auto-metadata config."""
        with self._store.reading() as tx:
            dataset = tx.datasets.owned(caller.tenant_id, dataset_id)
            if dataset is None:
                raise lacks_permission(caller, dataset_id)
            config = dataset.parser_config
        return {"metadata": config.get("metadata") or [], "built_in_metadata": config.get("built_in_metadata") or []}

    def set_metadata_config(self, caller: Caller, dataset_id: str, config: dict[str, Any]) -> dict[str, Any]:
        """Replace the dataset's auto-metadata config with a validated one."""
        with self._store.writing() as tx:
            dataset = tx.datasets.owned(caller.tenant_id, dataset_id)
            if dataset is None:
                raise lacks_permission(caller, dataset_id)
            dataset.parser_config = {**dataset.parser_config, **metadata_config_values(config)}
            tenant = tx.tenants.get(dataset.tenant_id)
            self._check_enrichment(dataset.parser_config, tenant.chat_model if tenant else "", dataset.tenant_id)
            dataset.update_time = now_ms()
        return config
