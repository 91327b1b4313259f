"""All services of one server, built from settings and closed together."""

from __future__ import annotations

from dataclasses import dataclass

from ragloom.providers.catalog import ModelCatalog
from ragloom.services.blob_cleanup import sweep_orphans
from ragloom.services.datasets import DatasetService
from ragloom.services.documents import DocumentService
from ragloom.services.tenants import TenantService
from ragloom.settings import Settings
from ragloom.storage.blobs import BlobStore, LocalBlobStore
from ragloom.storage.metadata import MetadataStore


@dataclass
class Services:
    """The stores and the services built on them."""

    settings: Settings
    store: MetadataStore
    blobs: BlobStore
    models: ModelCatalog
    tenants: TenantService
    datasets: DatasetService
    documents: DocumentService

    @classmethod
    def build(cls, settings: Settings) -> Services:
        """Open the stores (migrating the schema) and assemble the services."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = MetadataStore(settings.database_url, busy_timeout_ms=settings.database.busy_timeout_ms)
        store.migrate()
        blobs = LocalBlobStore(settings.blob_path)
        models = ModelCatalog()
        return cls(
            settings=settings,
            store=store,
            blobs=blobs,
            models=models,
            tenants=TenantService(store, settings.models),
            datasets=DatasetService(store, blobs, models),
            documents=DocumentService(store, blobs, settings.upload),
        )

    def sweep(self) -> int:
        """Remove files left behind by a crash (call before serving)."""
        return sweep_orphans(self.store, self.blobs)

    def close(self) -> None:
        self.store.close()
