"""Rerank models by id, built on first use and shared by the process."""

from __future__ import annotations

from ragloom.providers.catalog import ModelCatalog, ModelEntry, ModelKind
from ragloom.providers.loaded import LoadedModels
from ragloom.providers.rerank.protocol import RerankModel


class RerankModels:
    """Hands out rerank models named by ``name@factory`` ids (all remote: none ships built in)."""

    def __init__(self, catalog: ModelCatalog) -> None:
        self._catalog = catalog
        self._loaded: LoadedModels[RerankModel] = LoadedModels(self._build)

    def get(self, model_id: str, tenant_id: str | None = None) -> RerankModel:
        """The model for ``model_id`` as ``tenant_id`` sees it (the catalog's error if unknown or unauthorised)."""
        return self._loaded.get(self._catalog.require(model_id, ModelKind.RERANK, tenant_id))

    def _build(self, entry: ModelEntry) -> RerankModel:
        from ragloom.providers.rerank.remote import RemoteRerank

        assert entry.remote is not None, "built-in entries are embedding models"
        tei = entry.remote.factory.lower() in {"huggingface", "tei"}
        return RemoteRerank(str(entry.id), entry.remote, tei=tei, guard=self._catalog.guard_for(entry))

    def close(self) -> None:
        """Release every model's connections."""
        self._loaded.close()
