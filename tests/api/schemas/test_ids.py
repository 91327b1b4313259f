"""Id-list filters of the list routes (``ids`` repeated in the query): count, duplicates, format."""

from __future__ import annotations

import uuid

import pytest

from ragloom.api.bodies import validate
from ragloom.api.schemas.datasets import ListDatasetsQuery
from ragloom.api.schemas.ids import MAX_FILTER_IDS, DatasetIdsQuery, DocumentIdsQuery, id_list
from ragloom.errors import DataError, RagloomError, RetCode


def refusal(model: type[ListDatasetsQuery] | type[DocumentIdsQuery], payload: dict[str, object]) -> str:
    with pytest.raises(RagloomError) as caught:
        validate(model, payload)
    assert caught.value.code == RetCode.ARGUMENT_ERROR
    return caught.value.message


def test_document_ids_keep_their_order_up_to_the_limit() -> None:
    ids = [f"{index:032x}" for index in range(MAX_FILTER_IDS)]
    assert validate(DocumentIdsQuery, {"ids": ids}).ids == ids
    assert validate(DocumentIdsQuery, {}).ids == []


def test_document_ids_over_the_limit_or_repeated_are_refused() -> None:
    too_many = [f"{index:032x}" for index in range(MAX_FILTER_IDS + 1)]
    assert refusal(DocumentIdsQuery, {"ids": too_many}).startswith(
        "Field: <ids> - Message: <List should have at most 100 items after validation, not 101> - Value: <['"
    )
    assert refusal(DocumentIdsQuery, {"ids": ["a", "b", "a", "b", "c"]}) == (
        "Field: <ids> - Message: <Duplicate ids: 'a, b'> - Value: <['a', 'b', 'a', 'b', 'c']>"
    )


def test_dataset_ids_are_uuid1_and_distinct() -> None:
    first, second = uuid.uuid1().hex, uuid.uuid1().hex
    assert validate(ListDatasetsQuery, {"ids": [second, first.upper()]}).ids == [second, first]
    assert validate(ListDatasetsQuery, {}).ids is None
    assert refusal(ListDatasetsQuery, {"ids": [first, first.upper()]}) == (
        f"Field: <ids> - Message: <Duplicate ids: '{first}'> - Value: <{[first, first.upper()]}>"
    )
    assert refusal(ListDatasetsQuery, {"ids": [uuid.uuid4().hex]}).startswith(
        "Field: <ids> - Message: <Must be a UUID1 format>"
    )


def test_dataset_ids_do_not_go_with_id() -> None:
    first, second = uuid.uuid1().hex, uuid.uuid1().hex
    assert refusal(ListDatasetsQuery, {"id": first, "ids": [second]}) == (
        f"Field: <ids> - Message: <Should not provide both 'id' and 'ids'> - Value: <{[second]}>"
    )


def test_ids_come_comma_separated_or_repeated() -> None:
    assert id_list(["a,b", "c"]) == ["a", "b", "c"]
    assert id_list([" a , ,b"]) == ["a", "b"]
    assert id_list([""]) == []
    assert id_list(None) == []


def test_routes_over_several_datasets_cannot_do_without_them() -> None:
    assert validate(DatasetIdsQuery, {"dataset_ids": ["a,b", "c"]}).required_dataset_ids() == ["a", "b", "c"]
    for values in ({}, {"dataset_ids": [","]}):
        with pytest.raises(DataError, match="Lack of dataset_ids in query parameters"):
            validate(DatasetIdsQuery, values).required_dataset_ids()
