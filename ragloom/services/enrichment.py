"""Dataset-wide enrichment indexes — knowledge graph, RAPTOR summaries, mind map (contract §13.3;
issue 13 builds them).

RAPTOR is built (:class:`~ragloom.services.raptor_index.RaptorIndexService`). For the others the
routes answer as RAGFlow does for a dataset that has never been indexed, except that starting a
build is refused with an error naming what is missing: reading a build's task finds none (``{}``),
deleting one deletes nothing (``{}``), and the graph is empty.
"""

from __future__ import annotations

from typing import Any

from ragloom.errors import ArgumentError, AuthorizationError, DataError, RagloomError
from ragloom.services.dataset_access import no_authorization, owned_dataset
from ragloom.services.raptor_index import RaptorIndexService
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore

INDEX_NAMES = {"graph": "knowledge graph", "mindmap": "mind map", "raptor": "RAPTOR summary tree"}


def invalid_index_type(index_type: str) -> DataError:
    return DataError(f"Invalid index type '{index_type}'. Must be one of {sorted(INDEX_NAMES)}")


def not_built(index_type: str) -> DataError:
    """The refusal of a build ragloom cannot run."""
    return DataError(
        f"Building the {INDEX_NAMES[index_type]} (index type '{index_type}') is not supported by ragloom yet."
    )


class EnrichmentService:
    """Answers the enrichment routes for the caller's datasets."""

    def __init__(self, store: MetadataStore, raptor: RaptorIndexService) -> None:
        self._store = store
        self._raptor = raptor

    def _require(self, caller: Caller, dataset_id: str, refusal: RagloomError) -> None:
        with self._store.reading() as tx:
            owned_dataset(tx, caller, dataset_id, refusal)

    def run(self, caller: Caller, dataset_id: str, index_type: str) -> dict[str, Any]:
        """Start building an index: RAPTOR's is queued; the others are refused, with what is not built."""
        if index_type not in INDEX_NAMES:
            raise invalid_index_type(index_type)
        if index_type == "raptor":
            return self._raptor.start(caller, dataset_id)
        self._require(caller, dataset_id, no_authorization())
        raise not_built(index_type)

    def trace(self, caller: Caller, dataset_id: str, index_type: str) -> dict[str, Any]:
        """The task building the index (RAPTOR's newest; for the others there never is one)."""
        if index_type not in INDEX_NAMES:
            raise invalid_index_type(index_type)
        if index_type == "raptor":
            return self._raptor.trace(caller, dataset_id)
        self._require(caller, dataset_id, no_authorization())
        return {}

    def delete(self, caller: Caller, dataset_id: str, index_type: str) -> dict[str, Any]:
        """Remove the index (RAPTOR's summaries; for the others there is nothing to remove)."""
        if index_type not in INDEX_NAMES:
            raise ArgumentError(f"Invalid index type '{index_type}'")
        if index_type == "raptor":
            return self._raptor.delete(caller, dataset_id)
        self._require(caller, dataset_id, no_authorization())
        return {}

    def graph(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """The dataset's knowledge graph and mind map: both empty."""
        self._require(caller, dataset_id, AuthorizationError("No authorization."))
        return {"graph": {}, "mind_map": {}}
