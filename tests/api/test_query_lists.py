"""Id lists in query strings: comma-separated, repeated, or both."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from ragloom.api.query_lists import id_list


def test_ids_come_comma_separated_or_repeated() -> None:
    assert id_list(QueryParams("dataset_ids=a,b&dataset_ids=c"), "dataset_ids") == ["a", "b", "c"]
    assert id_list(QueryParams("dataset_ids= a , ,b"), "dataset_ids") == ["a", "b"]
    assert id_list(QueryParams("dataset_ids="), "dataset_ids") == []
    assert id_list(QueryParams("other=a"), "dataset_ids") == []
