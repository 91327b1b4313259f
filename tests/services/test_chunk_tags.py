"""Tags of a dataset's chunks, on the service: counts, rename, removal, ownership."""

from __future__ import annotations

import pytest

from ragloom.errors import ArgumentError, DataError
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.tenants import Caller
from ragloom.testing.chunk_index import chunk


@pytest.fixture
def datasets(services: Services, caller: Caller) -> tuple[str, str]:
    first = services.datasets.create(caller, NewDataset(name="one")).record.id
    second = services.datasets.create(caller, NewDataset(name="two")).record.id
    services.index.upsert(
        [
            chunk("a", "x", dataset_id=first, tag_keywords=["fruit", "red"]),
            chunk("b", "y", dataset_id=first, tag_keywords=["fruit"]),
            chunk("c", "z", dataset_id=second, tag_keywords=["red"]),
        ]
    )
    return first, second


def test_counts_per_dataset_and_across_datasets(services: Services, caller: Caller, datasets: tuple[str, str]) -> None:
    first, second = datasets
    assert services.tags.counts(caller, first) == [("fruit", 2), ("red", 1)]
    assert services.tags.aggregate(caller, [first, second, first]) == [("fruit", 2), ("red", 2)]


def test_rename_and_remove(services: Services, caller: Caller, datasets: tuple[str, str]) -> None:
    first, second = datasets
    assert services.tags.rename(caller, first, "fruit", "food") == 2
    assert services.tags.counts(caller, first) == [("food", 2), ("red", 1)]
    assert services.tags.rename(caller, first, "", "") == 0
    assert services.tags.rename(caller, first, "food", "food") == 0
    with pytest.raises(ArgumentError, match="^to_tag must not be empty$"):
        services.tags.rename(caller, first, "food", " ")
    assert services.tags.remove(caller, first, ["red", ""]) == 1
    assert services.tags.remove(caller, first, []) == 0
    assert services.tags.counts(caller, first) == [("food", 2)]
    assert services.tags.counts(caller, second) == [("red", 1)]


def test_a_new_tag_longer_than_the_limit_is_refused(
    services: Services, caller: Caller, datasets: tuple[str, str]
) -> None:
    limit = services.settings.limits.max_string_length
    with pytest.raises(ArgumentError, match=f"limit of {limit} characters"):
        services.tags.rename(caller, datasets[0], "fruit", "x" * (limit + 1))


def test_another_tenant_reads_and_changes_nothing(
    services: Services, caller: Caller, other_caller: Caller, datasets: tuple[str, str]
) -> None:
    first, second = datasets
    for attempt in (
        lambda: services.tags.counts(other_caller, first),
        lambda: services.tags.rename(other_caller, first, "fruit", "stolen"),
        lambda: services.tags.remove(other_caller, first, ["fruit"]),
    ):
        with pytest.raises(DataError, match="^no authorization$"):
            attempt()
    with pytest.raises(DataError, match=f"^No authorization for dataset '{second}'$"):
        services.tags.aggregate(other_caller, [second])
    assert services.tags.counts(caller, first) == [("fruit", 2), ("red", 1)]
