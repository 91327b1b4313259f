"""Enrichment indexes of a dataset before any build (the builds: tests/enrich): a dataset without
documents is refused, reads are truthfully empty, other tenants are refused."""

from __future__ import annotations

import pytest

from ragloom.errors import ArgumentError, AuthorizationError, DataError
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.tenants import Caller


@pytest.fixture
def dataset_id(services: Services, caller: Caller) -> str:
    return services.datasets.create(caller, NewDataset(name="kb")).record.id


@pytest.mark.parametrize("index_type", ["graph", "raptor", "mindmap"])
def test_a_build_needs_documents(services: Services, caller: Caller, dataset_id: str, index_type: str) -> None:
    with pytest.raises(DataError, match=f"^No documents in Dataset {dataset_id}$"):
        services.enrichment.run(caller, dataset_id, index_type)
    assert services.enrichment.trace(caller, dataset_id, index_type) == {}
    assert services.enrichment.delete(caller, dataset_id, index_type) == {}


def test_types_are_checked_before_the_dataset(services: Services, caller: Caller, other_caller: Caller) -> None:
    message = r"^Invalid index type 'x'. Must be one of \['graph', 'mindmap', 'raptor'\]$"
    with pytest.raises(DataError, match=message):
        services.enrichment.run(other_caller, "nope", "x")
    with pytest.raises(DataError, match=message):
        services.enrichment.trace(caller, "nope", "x")
    with pytest.raises(ArgumentError, match="^Invalid index type 'x'$"):
        services.enrichment.delete(caller, "nope", "x")


def test_another_tenants_dataset(services: Services, other_caller: Caller, dataset_id: str) -> None:
    for attempt in (
        lambda: services.enrichment.run(other_caller, dataset_id, "graph"),
        lambda: services.enrichment.trace(other_caller, dataset_id, "raptor"),
        lambda: services.enrichment.delete(other_caller, dataset_id, "mindmap"),
    ):
        with pytest.raises(DataError, match="^no authorization$"):
            attempt()
    with pytest.raises(AuthorizationError, match=r"^No authorization\.$"):
        services.enrichment.graph(other_caller, dataset_id)


def test_the_graph_is_empty(services: Services, caller: Caller, dataset_id: str) -> None:
    assert services.enrichment.graph(caller, dataset_id) == {"graph": {}, "mind_map": {}}
