"""Rerank models by id, built on first use and shared by the process."""

from __future__ import annotations

import threading

from ragloom.providers.catalog import ModelCatalog, ModelKind, model_key
from ragloom.providers.rerank.protocol import RerankModel


class RerankModels:
    """Hands out rerank models named by ``name@factory`` ids (all remote: none ships built in)."""

    def __init__(self, catalog: ModelCatalog) -> None:
        self._catalog = catalog
        self._loaded: dict[tuple[str, str], RerankModel] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str, tenant_id: str | None = None) -> RerankModel:
        """The model for ``model_id`` as ``tenant_id`` sees it (the catalog's error if unknown or unauthorised)."""
        entry = self._catalog.require(model_id, ModelKind.RERANK, tenant_id)
        key = model_key(entry)
        with self._lock:
            if key not in self._loaded:
                from ragloom.providers.rerank.remote import RemoteRerank

                assert entry.remote is not None, "built-in entries are embedding models"
                tei = entry.remote.factory.lower() in {"huggingface", "tei"}
                guard = self._catalog.guard_for(entry)
                self._loaded[key] = RemoteRerank(str(entry.id), entry.remote, tei=tei, guard=guard)
            return self._loaded[key]
